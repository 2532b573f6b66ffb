//! The parsed BPMN document indexed for the mapping: its root checked, every id of the
//! model and diagram collected in one pass (bounded in depth), and every reference checked
//! to name an element. Read-only once built: the mapping and the reference check share it.
//!
//! The document is one parsed tree, or two (`split.rs`: a large file's model and diagram
//! parsed side by side); elements are named by `At`, which says which tree they are in.

use super::{BPMN_NS, BPMNDI_NS, MAX_DEPTH, bpmn_named, error, text_pos, trimmed};
use crate::interop::{BpmnProblem, InteropError};
use crate::model::IdMap;
use roxmltree::{Document, Node, NodeId};

/// An element of the indexed trees: its `NodeId`'s number, with the top bit set for the
/// diagram tree of a split parse (a tree has at most `MAX_NODES` + 2 nodes, far below
/// 2^31). As small as a `NodeId`, so that the indexes stay in cache.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(super) struct At(u32);

const DIAGRAM_BIT: u32 = 1 << 31;

/// The parsed file: one tree, or the two halves of a split parse.
pub(super) struct Trees<'a, 'i> {
    /// The whole file; in a split parse, the file up to its diagram, closed by the root's
    /// end tag (so its offsets are the file's).
    pub(super) main: &'a Document<'i>,
    /// In a split parse, the diagram half: a copy of the root's start tag, then the file
    /// from its diagram on.
    pub(super) diagram: Option<Half<'a, 'i>>,
}

/// The second tree of a split parse, and where its text sits in the file.
#[derive(Clone, Copy)]
pub(super) struct Half<'a, 'i> {
    pub(super) doc: &'a Document<'i>,
    /// The file's text, for positions in this half.
    pub(super) file: &'a str,
    /// Where the root's start tag is in the file, and its length (the half's first bytes).
    pub(super) root_tag: (usize, usize),
    /// Where the half's rest starts in the file.
    pub(super) split: usize,
}

impl Half<'_, '_> {
    /// The file offset of an offset in this half's text.
    fn file_offset(&self, offset: usize) -> usize {
        let (start, len) = self.root_tag;
        if offset < len {
            start + offset
        } else {
            offset - len + self.split
        }
    }
}

/// What one tree holds for the index, collected on its own (side by side in a split parse).
struct Part<'a, 'i> {
    /// The tree's ids.
    ids: IdMap<&'a str, At>,
    elements: Vec<Node<'a, 'i>>,
    shapes: IdMap<&'a str, At>,
    data_associations: Vec<Node<'a, 'i>>,
    associations: Vec<Node<'a, 'i>>,
    /// The first problem in the tree's file order: an element too deep, or an id twice.
    problem: Option<(Node<'a, 'i>, Problem)>,
}

enum Problem {
    TooDeep,
    /// The id, and where it was first.
    Duplicate(At),
}

pub(super) struct Index<'a, 'i> {
    pub(super) file: &'a str,
    pub(super) trees: Trees<'a, 'i>,
    /// Each id's element: in a split parse, the model tree's.
    pub(super) ids: IdMap<&'a str, At>,
    /// In a split parse, the diagram tree's ids (none is in `ids` where the import answers).
    pub(super) diagram_ids: IdMap<&'a str, At>,
    /// Every element of the BPMN and BPMN DI namespaces outside `extensionElements`, in
    /// file order: the checks and the flow passes walk this instead of the whole tree.
    pub(super) elements: Vec<Node<'a, 'i>>,
    /// First DI shape of each model element (by its id).
    pub(super) shapes: IdMap<&'a str, At>,
    /// The model's data associations (`dataInputAssociation`, `dataOutputAssociation`) and
    /// associations, in file order, for the data and association flows.
    pub(super) data_associations: Vec<Node<'a, 'i>>,
    pub(super) associations: Vec<Node<'a, 'i>>,
}

impl<'a, 'i> Index<'a, 'i> {
    /// The index of the parsed file, of about `elements` elements (to size it by).
    pub(super) fn new(
        file: &'a str,
        trees: Trees<'a, 'i>,
        elements: usize,
    ) -> Result<Self, InteropError> {
        let main_root = trees.main.root_element();
        let tag = main_root.tag_name();
        if tag.name() != "definitions" || tag.namespace() != Some(BPMN_NS) {
            let problem = if tag.name() == "definitions" {
                BpmnProblem::MissingNamespace
            } else {
                BpmnProblem::NotBpmn {
                    found: tag.name().to_owned(),
                }
            };
            return Err(error(file, Some(pos_in(&trees, main_root)), problem));
        }
        let (main, diagram) = match trees.diagram {
            None => (collect(trees.main, 0, elements, elements), None),
            Some(half) => {
                // The diagram's element list sized by its share of the file; the model's
                // list and ids by the whole file's elements, as they take the diagram's in.
                let total = trees.main.input_text().len() + half.doc.input_text().len();
                let diagram_share = elements * half.doc.input_text().len() / total.max(1);
                std::thread::scope(|s| {
                    let other = std::thread::Builder::new()
                        .spawn_scoped(s, || {
                            collect(half.doc, DIAGRAM_BIT, diagram_share, diagram_share)
                        })
                        .ok();
                    let main = collect(trees.main, 0, elements, elements - diagram_share);
                    let diagram = match other {
                        Some(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                        None => collect(half.doc, DIAGRAM_BIT, diagram_share, diagram_share),
                    };
                    (main, Some(diagram))
                })
            }
        };
        let mut me = Self {
            file,
            trees,
            ids: main.ids,
            diagram_ids: IdMap::default(),
            elements: main.elements,
            shapes: main.shapes,
            data_associations: main.data_associations,
            associations: main.associations,
        };
        if let Some((n, problem)) = main.problem {
            return Err(me.problem(n, problem));
        }
        let Some(diagram) = diagram else {
            return Ok(me);
        };
        // The diagram's ids stay in their own map, built on its thread (`lookup_at` reads
        // the model's first). An id in both trees is found by the reference check
        // (`check_references_in`), which every import runs: a split parse that meets it
        // gives way to the one-tree import, which names the repeat.
        if let Some((m, p)) = diagram.problem {
            return Err(me.problem(m, p));
        }
        me.diagram_ids = diagram.ids;
        me.elements.extend(diagram.elements);
        // The first shape of an element wins: the model's (usually none) before the
        // diagram's. The smaller map goes into the larger.
        if me.shapes.len() <= diagram.shapes.len() {
            let model = std::mem::replace(&mut me.shapes, diagram.shapes);
            me.shapes.extend(model);
        } else {
            for (k, v) in diagram.shapes {
                me.shapes.entry(k).or_insert(v);
            }
        }
        me.data_associations.extend(diagram.data_associations);
        me.associations.extend(diagram.associations);
        Ok(me)
    }

    fn problem(&self, n: Node, problem: Problem) -> InteropError {
        match problem {
            Problem::TooDeep => self.fail(n, BpmnProblem::TooDeep(MAX_DEPTH)),
            Problem::Duplicate(first) => {
                let first_line = self.pos(self.node(first)).map_or(0, |p| p.0);
                self.fail(
                    n,
                    BpmnProblem::DuplicateId {
                        id: n.attribute("id").unwrap_or_default().to_owned(),
                        first_line,
                    },
                )
            }
        }
    }

    /// The element an `At` names.
    pub(super) fn node(&self, at: At) -> Node<'a, 'i> {
        let (doc, id) = match self.trees.diagram {
            Some(half) if at.0 & DIAGRAM_BIT != 0 => (half.doc, at.0 & !DIAGRAM_BIT),
            _ => (self.trees.main, at.0),
        };
        // Every `At` in the indexes is one of these trees' nodes.
        doc.get_node(NodeId::new(id)).unwrap_or_else(|| doc.root())
    }

    /// The `At` of an element of these trees.
    pub(super) fn at(&self, n: Node) -> At {
        let in_diagram = self
            .trees
            .diagram
            .is_some_and(|h| std::ptr::eq(n.document(), h.doc));
        At(n.id().get() | if in_diagram { DIAGRAM_BIT } else { 0 })
    }

    /// The file's root element (in a split parse, the model half's: it carries the
    /// root's attributes as the file does).
    pub(super) fn root(&self) -> Node<'a, 'i> {
        self.trees.main.root_element()
    }

    /// The root's BPMN children of one local name, in file order, whichever tree holds
    /// them.
    pub(super) fn top_level(&self, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
        let diagram_root = self.trees.diagram.map(|h| h.doc.root_element());
        bpmn_named(self.root(), name).chain(
            diagram_root
                .into_iter()
                .flat_map(move |r| bpmn_named(r, name)),
        )
    }

    /// Every node of the file in file order (the diagram tree's copy of the root left out).
    pub(super) fn descendants(&self) -> impl Iterator<Item = Node<'a, 'i>> {
        let diagram = self.trees.diagram.map(|h| h.doc.root_element());
        self.trees
            .main
            .descendants()
            .chain(diagram.into_iter().flat_map(|r| r.descendants().skip(1)))
    }

    pub(super) fn pos(&self, n: Node) -> Option<(u32, u32)> {
        Some(pos_in(&self.trees, n))
    }

    pub(super) fn fail(&self, n: Node, problem: BpmnProblem) -> InteropError {
        error(self.file, self.pos(n), problem)
    }

    /// Looks an id up; references may carry a namespace prefix (`tns:Task_1`).
    pub(super) fn lookup(&self, reference: &str) -> Option<Node<'a, 'i>> {
        self.lookup_at(reference).map(|at| self.node(at))
    }

    /// `lookup`, naming the element by its `At`.
    pub(super) fn lookup_at(&self, reference: &str) -> Option<At> {
        let r = trimmed(reference);
        // (A lookup in an empty map returns before it hashes.)
        let get = |id: &str| {
            self.ids
                .get(id)
                .or_else(|| self.diagram_ids.get(id))
                .copied()
        };
        get(r).or_else(|| r.split_once(':').and_then(|(_, local)| get(local)))
    }

    /// Every reference that the mapping or a BPMN viewer follows must name an element. The
    /// notes (on references that are only noted) are returned, for the importer to record.
    pub(super) fn check_references(&self) -> Result<Vec<String>, InteropError> {
        ReferenceCheck::default().finish(self)
    }

    /// `check_references` over `elements[range]`, its notes added to `notes`.
    fn check_references_in(
        &self,
        range: std::ops::Range<usize>,
        notes: &mut Vec<String>,
    ) -> Result<(), InteropError> {
        const FLOW_NODE: Option<&str> = Some("a flow node of the same process");
        const NODE_OR_POOL: Option<&str> = Some("a flow node or a pool");
        // The references each element holds in attributes: (attribute, what it must name
        // when it is required). One match per element: this runs over the whole file.
        fn references(name: &str) -> &'static [(&'static str, Option<&'static str>)] {
            match name {
                "sequenceFlow" => &[("sourceRef", FLOW_NODE), ("targetRef", FLOW_NODE)],
                "messageFlow" => &[("sourceRef", NODE_OR_POOL), ("targetRef", NODE_OR_POOL)],
                "association" => &[
                    ("sourceRef", Some("an element")),
                    ("targetRef", Some("an element")),
                ],
                "boundaryEvent" => &[("attachedToRef", Some("an activity of the same process"))],
                "participant" => &[("processRef", None)],
                "dataObjectReference" => &[("dataObjectRef", None)],
                "dataStoreReference" => &[("dataStoreRef", None)],
                "BPMNShape" | "BPMNEdge" | "BPMNPlane" => &[("bpmnElement", None)],
                _ => &[],
            }
        }
        // The references each element holds in child elements' text.
        fn child_references(name: &str) -> Option<&'static str> {
            match name {
                "lane" => Some("flowNodeRef"),
                // Data associations (their id is optional): what they read or write.
                "dataOutputAssociation" => Some("targetRef"),
                "dataInputAssociation" => Some("sourceRef"),
                _ => None,
            }
        }
        // References that name nothing valueflow turns into a step or a flow: some tools
        // (Bizagi) write them to ids they never put in the file. A dangling one is noted,
        // and the reference stands for itself.
        let only_noted = |name: &str| matches!(name, "dataObjectReference" | "dataStoreReference");
        // Every element, with an id or without one, in file order: the first problem wins.
        let diagram = self.trees.diagram.map(|h| h.doc);
        for &n in &self.elements[range] {
            // An id of the diagram tree that the model tree has too.
            if let Some(doc) = diagram
                && std::ptr::eq(n.document(), doc)
                && let Some(&first) = n.attribute("id").and_then(|id| self.ids.get(id))
            {
                return Err(self.problem(n, Problem::Duplicate(first)));
            }
            let name = n.tag_name().name();
            let (attributes, child) = (references(name), child_references(name));
            if attributes.is_empty() && child.is_none() {
                continue;
            }
            let in_model = n.tag_name().namespace() == Some(BPMN_NS);
            for &(attribute, required) in attributes {
                match n.attribute(attribute) {
                    Some(target) if !target.trim().is_empty() || required.is_none() => {
                        if self.lookup(target).is_none() {
                            if only_noted(name) {
                                notes.push(format!(
                                    "{name} \"{}\" refers to \"{target}\" ({attribute}), which is not in the file; it was read as a data item of its own",
                                    n.attribute("id").unwrap_or_default()
                                ));
                                continue;
                            }
                            return Err(self.dangling(n, name, attribute, target));
                        }
                    }
                    _ => {
                        if let (true, Some(expected)) = (in_model, required) {
                            return Err(self.fail(
                                n,
                                BpmnProblem::MissingAttribute {
                                    element: name.to_owned(),
                                    id: n.attribute("id").unwrap_or_default().to_owned(),
                                    attribute,
                                    expected,
                                },
                            ));
                        }
                    }
                }
            }
            if let Some(child) = child.filter(|_| in_model) {
                for c in bpmn_named(n, child) {
                    let target = c.text().unwrap_or_default();
                    if self.lookup(target).is_none() {
                        return Err(self.dangling(c, name, child, target));
                    }
                }
            }
        }
        Ok(())
    }

    fn dangling(&self, at: Node, element: &str, reference: &str, target: &str) -> InteropError {
        // A reference held in a child element (`<flowNodeRef>`, `<targetRef>`) belongs to
        // its parent; an element without an id is named as such, not by an ancestor's id.
        let holder = if at.tag_name().name() == element {
            at
        } else {
            at.parent_element().unwrap_or(at)
        };
        self.fail(
            at,
            BpmnProblem::DanglingReference {
                element: element.to_owned(),
                id: holder.attribute("id").unwrap_or_default().to_owned(),
                reference: reference.to_owned(),
                target: target.trim().to_owned(),
            },
        )
    }
}

/// The reference check (`Index::check_references`) run a part at a time, in file order:
/// the same notes and the same first error as in one go.
#[derive(Default)]
pub(super) struct ReferenceCheck {
    /// How many of the index's elements are checked.
    checked: usize,
    notes: Vec<String>,
    failed: Option<InteropError>,
}

impl ReferenceCheck {
    /// Whether nothing is left to check (every element checked, or an error found).
    pub(super) fn done(&self, ix: &Index) -> bool {
        self.failed.is_some() || self.checked >= ix.elements.len()
    }

    /// Checks up to `count` more elements.
    pub(super) fn step(&mut self, ix: &Index, count: usize) {
        if self.done(ix) {
            return;
        }
        let end = self.checked.saturating_add(count).min(ix.elements.len());
        if let Err(e) = ix.check_references_in(self.checked..end, &mut self.notes) {
            self.failed = Some(e);
        }
        self.checked = end;
    }

    /// Checks the rest: the notes, or the first error.
    pub(super) fn finish(mut self, ix: &Index) -> Result<Vec<String>, InteropError> {
        self.step(ix, usize::MAX);
        match self.failed {
            Some(e) => Err(e),
            None => Ok(self.notes),
        }
    }
}

/// Where a node starts in the file, as (line, column).
fn pos_in(trees: &Trees, n: Node) -> (u32, u32) {
    match trees.diagram {
        Some(half) if std::ptr::eq(n.document(), half.doc) => {
            text_pos(half.file, half.file_offset(n.range().start))
        }
        _ => {
            let p = trees.main.text_pos_at(n.range().start);
            (p.row, p.col)
        }
    }
}

/// One pass over a tree in file order: bounds the depth and records every id of the model
/// and diagram (vendor content inside `extensionElements` is skipped: it may reuse BPMN
/// names; it is still bounded in depth). Elements are named with `tag` set in their `At`.
/// The diagram half's copy of the root is left out (the model half has the root).
/// `elements` and `ids` size the element list and the id map.
fn collect<'a, 'i>(doc: &'a Document<'i>, tag: u32, elements: usize, ids: usize) -> Part<'a, 'i> {
    let mut part = Part {
        // Sized for every element: about a third have an id, but a rehash costs more
        // than the room.
        ids: IdMap::with_capacity_and_hasher(ids, Default::default()),
        elements: Vec::with_capacity(elements),
        shapes: IdMap::default(),
        data_associations: Vec::new(),
        associations: Vec::new(),
        problem: None,
    };
    let copied_root = (tag != 0).then(|| doc.root_element());
    // Each node's depth (by its `NodeId`), shifted left by one, with the low bit set
    // inside `extensionElements`. A parent comes before its children in file order, so a
    // node's entry is its parent's, one deeper; the document root is depth 0.
    let mut depth_of: Vec<u32> = Vec::new();
    for n in doc.descendants() {
        let inherited = n.parent().map_or(0, |p| depth_of[p.id().get_usize()]);
        let slot = n.id().get_usize();
        if depth_of.len() <= slot {
            depth_of.resize(slot + 1, 0);
        }
        if !n.is_element() {
            depth_of[slot] = inherited;
            continue;
        }
        let (depth, skipped) = ((inherited >> 1) + 1, inherited & 1 == 1);
        if depth as usize > MAX_DEPTH {
            part.problem = Some((n, Problem::TooDeep));
            return part;
        }
        let skip_children = skipped || n.tag_name().name() == "extensionElements";
        depth_of[slot] = depth << 1 | u32::from(skip_children);
        if skipped || Some(n) == copied_root {
            continue;
        }
        let ns = n.tag_name().namespace();
        let ours = ns == Some(BPMN_NS) || ns == Some(BPMNDI_NS);
        if !ours {
            continue;
        }
        part.elements.push(n);
        let name = n.tag_name().name();
        if matches!(name, "dataOutputAssociation" | "dataInputAssociation") && ns == Some(BPMN_NS) {
            part.data_associations.push(n);
        } else if name == "association" && ns == Some(BPMN_NS) {
            part.associations.push(n);
        }
        let at = At(n.id().get() | tag);
        if let Some(id) = n.attribute("id") {
            match part.ids.entry(id) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    let first = *first.get();
                    part.problem = Some((n, Problem::Duplicate(first)));
                    return part;
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(at);
                }
            }
        }
        if ns == Some(BPMNDI_NS)
            && name == "BPMNShape"
            && let Some(e) = n.attribute("bpmnElement")
        {
            part.shapes.entry(e).or_insert(at);
        }
    }
    part
}
