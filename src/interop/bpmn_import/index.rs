//! The parsed BPMN document indexed for the mapping: its root checked, every id of the
//! model and diagram collected in one pass (bounded in depth), and every reference checked
//! to name an element. Read-only once built: the mapping and the reference check share it.

use super::{BPMN_NS, BPMNDI_NS, MAX_DEPTH, bpmn_named, error, trimmed};
use crate::interop::{BpmnProblem, InteropError};
use crate::model::IdMap;
use roxmltree::{Document, Node, NodeId};

pub(super) struct Index<'a, 'i> {
    pub(super) file: &'a str,
    pub(super) doc: &'a Document<'i>,
    /// Each id's element (by its `NodeId`: a small entry keeps the index in cache).
    pub(super) ids: IdMap<&'a str, NodeId>,
    /// Every element of the BPMN and BPMN DI namespaces outside `extensionElements`, in
    /// file order: the checks and the flow passes walk this instead of the whole tree.
    pub(super) elements: Vec<Node<'a, 'i>>,
    /// First DI shape of each model element (by its id).
    pub(super) shapes: IdMap<&'a str, NodeId>,
    /// The model's data associations (`dataInputAssociation`, `dataOutputAssociation`) and
    /// associations, in file order, for the data and association flows.
    pub(super) data_associations: Vec<Node<'a, 'i>>,
    pub(super) associations: Vec<Node<'a, 'i>>,
}

impl<'a, 'i> Index<'a, 'i> {
    /// The index of a parsed document of about `elements` elements (to size it by).
    pub(super) fn new(
        file: &'a str,
        doc: &'a Document<'i>,
        elements: usize,
    ) -> Result<Self, InteropError> {
        let mut me = Self {
            file,
            doc,
            // Sized for every element: about a third have an id, but a rehash costs more
            // than the room.
            ids: IdMap::with_capacity_and_hasher(elements, Default::default()),
            elements: Vec::with_capacity(elements),
            shapes: IdMap::default(),
            data_associations: Vec::new(),
            associations: Vec::new(),
        };
        me.check_root()?;
        me.collect_ids()?;
        Ok(me)
    }

    /// The element of a `NodeId` taken from this document.
    pub(super) fn node(&self, id: NodeId) -> Node<'a, 'i> {
        // Every id in the indexes is one of this document's nodes.
        self.doc.get_node(id).unwrap_or_else(|| self.doc.root())
    }

    pub(super) fn pos(&self, n: Node) -> Option<(u32, u32)> {
        let p = self.doc.text_pos_at(n.range().start);
        Some((p.row, p.col))
    }

    pub(super) fn fail(&self, n: Node, problem: BpmnProblem) -> InteropError {
        error(self.file, self.pos(n), problem)
    }

    fn check_root(&self) -> Result<(), InteropError> {
        let root = self.doc.root_element();
        let tag = root.tag_name();
        if tag.name() == "definitions" && tag.namespace() == Some(BPMN_NS) {
            return Ok(());
        }
        let problem = if tag.name() == "definitions" {
            BpmnProblem::MissingNamespace
        } else {
            BpmnProblem::NotBpmn {
                found: tag.name().to_owned(),
            }
        };
        Err(self.fail(root, problem))
    }

    /// One pass over the tree in file order: bounds the depth and records every id of the
    /// model and diagram (vendor content inside `extensionElements` is skipped: it may reuse
    /// BPMN names; it is still bounded in depth).
    fn collect_ids(&mut self) -> Result<(), InteropError> {
        // Each node's depth (by its `NodeId`), shifted left by one, with the low bit set
        // inside `extensionElements`. A parent comes before its children in file order, so
        // a node's entry is its parent's, one deeper; the document root is depth 0.
        let mut depth_of: Vec<u32> = Vec::new();
        for n in self.doc.descendants() {
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
                return Err(self.fail(n, BpmnProblem::TooDeep(MAX_DEPTH)));
            }
            let skip_children = skipped || n.tag_name().name() == "extensionElements";
            depth_of[slot] = depth << 1 | u32::from(skip_children);
            if skipped {
                continue;
            }
            let ns = n.tag_name().namespace();
            let ours = ns == Some(BPMN_NS) || ns == Some(BPMNDI_NS);
            if !ours {
                continue;
            }
            self.elements.push(n);
            let name = n.tag_name().name();
            if matches!(name, "dataOutputAssociation" | "dataInputAssociation")
                && ns == Some(BPMN_NS)
            {
                self.data_associations.push(n);
            } else if name == "association" && ns == Some(BPMN_NS) {
                self.associations.push(n);
            }
            if let Some(id) = n.attribute("id") {
                match self.ids.entry(id) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        let first = *first.get();
                        let first = self.doc.get_node(first).unwrap_or(n);
                        let first_line = self.doc.text_pos_at(first.range().start).row;
                        return Err(self.fail(
                            n,
                            BpmnProblem::DuplicateId {
                                id: id.to_owned(),
                                first_line,
                            },
                        ));
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(n.id());
                    }
                }
            }
            if ns == Some(BPMNDI_NS)
                && n.tag_name().name() == "BPMNShape"
                && let Some(e) = n.attribute("bpmnElement")
            {
                self.shapes.entry(e).or_insert(n.id());
            }
        }
        Ok(())
    }

    /// Looks an id up; references may carry a namespace prefix (`tns:Task_1`).
    pub(super) fn lookup(&self, reference: &str) -> Option<Node<'a, 'i>> {
        let r = trimmed(reference);
        let id = self.ids.get(r).copied().or_else(|| {
            r.split_once(':')
                .and_then(|(_, local)| self.ids.get(local).copied())
        });
        id.map(|id| self.node(id))
    }

    /// Every reference that the mapping or a BPMN viewer follows must name an element. The
    /// notes (on references that are only noted) are returned, for the importer to record.
    pub(super) fn check_references(&self) -> Result<Vec<String>, InteropError> {
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
        let mut notes = Vec::new();
        // Every element, with an id or without one, in file order: the first problem wins.
        for &n in &self.elements {
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
        Ok(notes)
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
