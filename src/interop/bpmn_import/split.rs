//! A large file read as two trees parsed side by side: the model (the file up to its
//! diagram, closed by the root's end tag) and the diagram (a copy of the root's start tag,
//! then the rest of the file). Parsing is most of an import's time, and the diagram about
//! half of a file; on two cores the two halves take the time of one.
//!
//! Only a file that reads without a problem is read this way: where the cut cannot be
//! found, a half does not parse, or the import meets any problem, the one-tree import
//! decides (its errors name the place in the file the same way, and cost is no concern on
//! that path). A cut that is not between two children of the root cannot give two trees
//! that parse: the model half would end inside a comment, CDATA section, processing
//! instruction, tag or element, and its closing tag would be refused. Two halves that
//! parse hold the root's children exactly as the whole file does, in the same scope of
//! namespaces (the root's start tag is copied whole).

use super::index::{Half, Index, Trees};
use super::{Imported, import_checked, parsing_options};
use memchr::memmem;
use roxmltree::Document;
use std::ops::Range;

/// From this size on, a file with a diagram is parsed in two halves (below, a second
/// thread costs more than it saves).
pub(super) const MIN_BYTES: usize = 1 << 20;

/// The file imported from two trees, or `None` where the one-tree import must decide.
pub(super) fn import(source_name: &str, text: &str, elements: usize) -> Option<Imported> {
    let cut = Cut::find(text)?;
    // Each half is copied, as it is parsed, on its own thread.
    let (model_text, diagram_text) = std::thread::scope(|s| {
        let other = std::thread::Builder::new()
            .spawn_scoped(s, || cut.diagram_half(text))
            .ok()?;
        let model = cut.model_half(text);
        let diagram = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Some((model, diagram))
    })?;
    let (model, diagram) = std::thread::scope(|s| {
        let other = std::thread::Builder::new()
            .spawn_scoped(s, || {
                Document::parse_with_options(&diagram_text, parsing_options())
            })
            .ok()?;
        let model = Document::parse_with_options(&model_text, parsing_options());
        let diagram = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Some((model.ok()?, diagram.ok()?))
    })?;
    // The copied start tag must be the root's (the prolog was read right).
    if model.root_element().range().start != cut.root_tag.start {
        return None;
    }
    let trees = Trees {
        main: &model,
        diagram: Some(Half {
            doc: &diagram,
            file: text,
            root_tag: (cut.root_tag.start, cut.root_tag.len()),
            split: cut.split,
        }),
    };
    let imported = Index::new(source_name, trees, elements)
        .and_then(|ix| import_checked(&ix))
        .ok();
    // The two trees are freed side by side too (a tree of a few hundred thousand nodes
    // takes milliseconds to free).
    std::thread::scope(|s| {
        let freed = std::thread::Builder::new().spawn_scoped(s, move || drop(diagram));
        drop(model);
        drop(freed);
    });
    imported
}

/// Where a file is cut: its root's start tag, the root's name, and the `<` of the first
/// `BPMNDiagram` element after it.
#[derive(Debug, PartialEq)]
pub(super) struct Cut<'t> {
    pub(super) root_tag: Range<usize>,
    pub(super) name: &'t str,
    pub(super) split: usize,
}

impl<'t> Cut<'t> {
    pub(super) fn find(text: &'t str) -> Option<Self> {
        const DIAGRAM: &[u8] = b"BPMNDiagram";
        let b = text.as_bytes();
        // The prolog: the XML declaration, processing instructions, comments, white space
        // (a document type is refused by the parse: the one-tree import says so).
        let mut at = 0;
        let start = loop {
            let lt = at + memchr::memchr(b'<', &b[at..])?;
            let rest = &b[lt..];
            if rest.starts_with(b"<?") {
                at = lt + 2 + memmem::find(&rest[2..], b"?>")? + 2;
            } else if rest.starts_with(b"<!--") {
                at = lt + 4 + memmem::find(&rest[4..], b"-->")? + 3;
            } else if rest.starts_with(b"<!") {
                return None;
            } else {
                break lt;
            }
        };
        let name_len = b[start + 1..]
            .iter()
            .position(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))?;
        let name = text.get(start + 1..start + 1 + name_len)?;
        // The start tag ends at the first `>` outside a quoted attribute value.
        let mut quote = None;
        let mut end = None;
        for (k, &c) in b[start + 1 + name_len..].iter().enumerate() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(c),
                (None, b'>') => {
                    end = Some(start + 1 + name_len + k + 1);
                    break;
                }
                (None, _) => {}
            }
        }
        let end = end?;
        if name.is_empty() || b[end - 2] == b'/' {
            return None;
        }
        // The first `<BPMNDiagram` or `<prefix:BPMNDiagram` after the root's start tag (the
        // look back for its `<` is bounded, so that a text full of the word stays linear).
        let split = memmem::find_iter(&b[end..], DIAGRAM)
            .map(|k| end + k)
            .find_map(|k| {
                let window = k.saturating_sub(64).max(end);
                let lt = window + memchr::memrchr(b'<', &b[window..k])?;
                let prefix = &b[lt + 1..k];
                let prefix_ok = match prefix.split_last() {
                    None => true,
                    Some((b':', p)) => {
                        !p.is_empty()
                            && p.iter().all(|c| {
                                c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
                            })
                    }
                    Some(_) => false,
                };
                let after = *b.get(k + DIAGRAM.len())?;
                (prefix_ok && (after.is_ascii_whitespace() || matches!(after, b'>' | b'/')))
                    .then_some(lt)
            })?;
        Some(Self {
            root_tag: start..end,
            name,
            split,
        })
    }

    /// The model half of the file this cut was found in: the file up to the cut, closed by
    /// the root's end tag.
    pub(super) fn model_half(&self, text: &str) -> String {
        let mut model = String::with_capacity(self.split + self.name.len() + 3);
        model.push_str(&text[..self.split]);
        model.push_str("</");
        model.push_str(self.name);
        model.push('>');
        model
    }

    /// The diagram half of the file this cut was found in: a copy of the root's start tag,
    /// then the file from the cut on.
    pub(super) fn diagram_half(&self, text: &str) -> String {
        let mut diagram = String::with_capacity(self.root_tag.len() + text.len() - self.split);
        diagram.push_str(&text[self.root_tag.clone()]);
        diagram.push_str(&text[self.split..]);
        diagram
    }
}

#[cfg(test)]
mod tests {
    use super::super::index::{ReferenceCheck, Trees};
    use super::super::{Index, import_checked_with, import_whole, parsing_options};
    use super::*;
    use crate::interop::bpmn_export::to_bpmn_string;
    use proptest::prelude::*;

    /// The two-tree import, where it answers, reads what the one-tree import reads.
    fn same_as_whole(text: &str) -> Option<Imported> {
        let split = import("t.bpmn", text, 0)?;
        match import_whole("t.bpmn", text, 0) {
            Ok(whole) => {
                assert_eq!(split.map, whole.map);
                assert_eq!(split.notes, whole.notes);
            }
            Err(e) => panic!("the two-tree import read a file the one-tree import refuses: {e}"),
        }
        Some(split)
    }

    /// The import with half of every process's steps made on the helper thread reads what
    /// the import that makes them all on one thread reads, error for error.
    fn same_with_helper(text: &str) {
        let Ok(doc) = Document::parse_with_options(text, parsing_options()) else {
            return;
        };
        let trees = Trees {
            main: &doc,
            diagram: None,
        };
        let Ok(ix) = Index::new("t.bpmn", trees, 0) else {
            return;
        };
        // The check a part at a time reads as the check in one go.
        let mut check = ReferenceCheck::default();
        while !check.done(&ix) {
            check.step(&ix, 1);
        }
        match (ix.check_references(), check.finish(&ix)) {
            (Ok(whole), Ok(parts)) => assert_eq!(whole, parts),
            (Err(whole), Err(parts)) => assert_eq!(whole.to_string(), parts.to_string()),
            (whole, parts) => panic!("in one go: {whole:?}\na part at a time: {parts:?}"),
        }
        let alone = import_checked_with(&ix, usize::MAX, usize::MAX, usize::MAX);
        // The helper on every process of two steps or more, its check one element at a
        // time between two looks at its queue.
        let helped = import_checked_with(&ix, 0, 2, 1);
        match (alone, helped) {
            (Ok(alone), Ok(helped)) => {
                assert_eq!(alone.map, helped.map);
                assert_eq!(alone.notes, helped.notes);
            }
            (Err(alone), Err(helped)) => assert_eq!(alone.to_string(), helped.to_string()),
            (alone, helped) => panic!("alone: {alone:?}\nhelped: {helped:?}"),
        }
    }

    #[test]
    fn steps_made_on_the_helper_thread_read_as_made_on_one() {
        for (_, text) in fixtures() {
            same_with_helper(&text);
        }
    }

    fn fixtures() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bpmn");
        let mut out: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "bpmn"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p.display().to_string(), text)
            })
            .collect();
        out.sort();
        out.push((
            "synthetic".into(),
            to_bpmn_string(&crate::samples::synthetic(300)),
        ));
        for (name, _) in crate::samples::BUILT_IN {
            let map = crate::samples::load(name).unwrap().unwrap();
            out.push((name.to_string(), to_bpmn_string(&map)));
        }
        out
    }

    #[test]
    fn files_with_a_diagram_read_in_two_halves_as_in_one() {
        let mut split = 0;
        for (name, text) in fixtures() {
            let has_diagram = text.contains("BPMNDiagram");
            match same_as_whole(&text) {
                Some(_) => split += 1,
                // Only files the one-tree import refuses, or without a diagram, are left to it.
                None => assert!(
                    !has_diagram || import_whole(&name, &text, 0).is_err(),
                    "{name} was not read in two halves"
                ),
            }
        }
        assert!(split >= 10, "only {split} files were read in two halves");
    }

    /// Every element is indexed in the same order, and named at the same line and column,
    /// from two trees as from one.
    #[test]
    fn the_halves_index_every_element_at_its_place_in_the_file() {
        for (name, text) in fixtures() {
            let Some(cut) = Cut::find(&text) else {
                continue;
            };
            let whole = Document::parse_with_options(&text, parsing_options()).unwrap();
            let (model_text, diagram_text) = (cut.model_half(&text), cut.diagram_half(&text));
            let model = Document::parse_with_options(&model_text, parsing_options()).unwrap();
            let diagram = Document::parse_with_options(&diagram_text, parsing_options()).unwrap();
            let one = Trees {
                main: &whole,
                diagram: None,
            };
            let two = Trees {
                main: &model,
                diagram: Some(Half {
                    doc: &diagram,
                    file: &text,
                    root_tag: (cut.root_tag.start, cut.root_tag.len()),
                    split: cut.split,
                }),
            };
            let (Ok(one), Ok(two)) = (Index::new(&name, one, 0), Index::new(&name, two, 0)) else {
                continue;
            };
            assert_eq!(one.elements.len(), two.elements.len(), "{name}");
            assert_eq!(
                one.ids.len(),
                two.ids.len() + two.diagram_ids.len(),
                "{name}"
            );
            assert!(one.diagram_ids.is_empty(), "{name}");
            assert_eq!(one.shapes.len(), two.shapes.len(), "{name}");
            for (a, b) in one.elements.iter().zip(&two.elements) {
                assert_eq!(a.tag_name(), b.tag_name(), "{name}");
                assert_eq!(a.attribute("id"), b.attribute("id"), "{name}");
                assert_eq!(one.pos(*a), two.pos(*b), "{name}: {:?}", a.attribute("id"));
            }
            let descendants = |ix: &Index| ix.descendants().filter(|n| n.is_element()).count();
            assert_eq!(descendants(&one), descendants(&two), "{name}");
        }
    }

    #[test]
    fn the_cut_is_the_roots_start_tag_and_the_first_diagram_element() {
        let text = "<?xml version=\"1.0\"?>\n<!-- <a> -->\n<?pi x?>\n<d:definitions a=\"x>y\" b='\"'>\
                    <p id=\"BPMNDiagram_1\"/><x:BPMNDiagramish/><di:BPMNDiagram id=\"d\"/></d:definitions>";
        let cut = Cut::find(text).unwrap();
        assert_eq!(
            &text[cut.root_tag.clone()],
            "<d:definitions a=\"x>y\" b='\"'>"
        );
        assert_eq!(cut.name, "d:definitions");
        assert!(text[cut.split..].starts_with("<di:BPMNDiagram id"));
        // No diagram, an empty root, a document type, no root: no cut.
        for text in [
            "<definitions><process/></definitions>",
            "<definitions/>",
            "<!DOCTYPE d><definitions><BPMNDiagram/></definitions>",
            "<!-- <BPMNDiagram/>",
            "",
        ] {
            assert_eq!(Cut::find(text), None, "{text}");
        }
    }

    /// An id that a diagram element repeats from the model is in neither tree twice: the
    /// reference check finds it, and the one-tree import names the repeat.
    #[test]
    fn an_id_in_both_halves_is_refused_as_in_one() {
        let base = to_bpmn_string(&crate::samples::synthetic(30));
        let shape = base.find("<bpmndi:BPMNShape id=\"").unwrap() + "<bpmndi:BPMNShape id=\"".len();
        let end = shape + base[shape..].find('"').unwrap();
        let model_id = &base[base.find("<bpmn:task id=\"").unwrap() + "<bpmn:task id=\"".len()..];
        let model_id = &model_id[..model_id.find('"').unwrap()];
        let text = format!("{}{model_id}{}", &base[..shape], &base[end..]);
        assert!(Cut::find(&text).is_some());
        assert!(import("t.bpmn", &text, 0).is_none(), "read in two halves");
        let e = import_whole("t.bpmn", &text, 0).unwrap_err().to_string();
        assert!(e.contains(model_id) && e.contains("line"), "{e}");
    }

    /// A diagram before the processes (as some tools write it): the processes are in the
    /// diagram half's tree, and still read.
    #[test]
    fn processes_after_the_diagram_are_read_from_the_second_tree() {
        let base = to_bpmn_string(&crate::samples::synthetic(30));
        let (start, end) = (
            base.find("  <bpmndi:BPMNDiagram").unwrap(),
            base.find("</bpmndi:BPMNDiagram>").unwrap() + "</bpmndi:BPMNDiagram>\n".len(),
        );
        let process = base.find("  <bpmn:process").unwrap();
        assert!(process < start);
        let text = format!(
            "{}{}{}{}",
            &base[..process],
            &base[start..end],
            &base[process..start],
            &base[end..]
        );
        let imported = same_as_whole(&text).expect("read in two halves");
        assert_eq!(imported.map, crate::samples::synthetic(30));
    }

    /// A cut inside a comment, a CDATA section, an attribute value or a nested element
    /// gives halves that do not parse: the one-tree import decides.
    #[test]
    fn a_cut_that_is_not_between_the_roots_children_is_not_taken() {
        let base = to_bpmn_string(&crate::samples::synthetic(20));
        let at = base.find("<bpmndi:BPMNDiagram").unwrap();
        for (before, after) in [
            ("<!-- ", " -->"),
            ("<![CDATA[ ", " ]]>"),
            ("<bpmn:extensionElements>", "</bpmn:extensionElements>"),
            ("<?pi ", " ?>"),
        ] {
            let text = format!(
                "{}{before}<bpmndi:BPMNDiagram id=\"fake\">{after}{}",
                &base[..at],
                &base[at..]
            );
            let cut = Cut::find(&text).unwrap();
            assert!(text[cut.split..].starts_with("<bpmndi:BPMNDiagram id=\"fake\""));
            if let Some(imported) = same_as_whole(&text) {
                panic!(
                    "read in two halves: {before} … {after}: {:?}",
                    imported.notes
                );
            }
        }
    }

    /// Mutations of an exported file: wherever the two-tree import answers, it answers
    /// as the one-tree import does.
    fn mutated() -> impl Strategy<Value = String> {
        let base = to_bpmn_string(&crate::samples::synthetic(12));
        let len = base.len();
        let snippets = prop::sample::select(vec![
            "<!--",
            "-->",
            "<![CDATA[",
            "]]>",
            "\"",
            "'",
            "<",
            ">",
            "/>",
            "</bpmn:definitions>",
            "<bpmndi:BPMNDiagram>",
            "<bpmndi:BPMNDiagram id=\"x\"/>",
            "<bpmn:process id=\"q\">",
            "</bpmn:process>",
            " id=\"Flow_1\"",
            "&amp;",
            "<?x ?>",
            "\n",
        ]);
        (
            prop::collection::vec((0..len, 0..40usize, snippets), 1..4),
            Just(base),
        )
            .prop_map(|(edits, mut text)| {
                for (at, cut, snippet) in edits {
                    let mut at = at.min(text.len());
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    let mut end = (at + cut % 8).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(at..end, snippet);
                }
                text
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn mutated_files_read_in_two_halves_as_in_one(text in mutated()) {
            same_as_whole(&text);
        }

        #[test]
        fn mutated_files_read_with_the_helper_thread_as_without(text in mutated()) {
            same_with_helper(&text);
        }
    }
}
