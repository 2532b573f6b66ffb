//! BPMN 2.0 XML → `Map`: a namespace-aware read with roxmltree, checks (ids, references,
//! depth: `index`) that name the line, then the mapping of docs/bpmn.md. Never panics.

use super::xml::{self, Encoding};
use super::{BpmnProblem, Imported, InteropError};
use crate::model::{
    DerivedFrom, Disposition, DispositionKind, Flow, FlowKind, Lane, LaneId, MAX_FLOWS, Map,
    MapBuilder, MapError, Rating, Review, ScoreEntry, Step, StepField, StepId, StepKind,
    TargetTimes, Touchpoint, Value,
};
use crate::model::{IdMap, IdSet};
use index::Index;
use roxmltree::{Document, Node, ParsingOptions};
use std::path::Path;

mod index;
mod split;

/// The BPMN 2.0 model namespace.
pub const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
/// The BPMN 2.0 diagram interchange namespace.
pub const BPMNDI_NS: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
/// The OMG diagram-common namespace (`Bounds`).
pub const DC_NS: &str = "http://www.omg.org/spec/DD/20100524/DC";
/// The OMG diagram-interchange namespace (`waypoint`).
pub const DI_NS: &str = "http://www.omg.org/spec/DD/20100524/DI";
/// valueflow's own attributes (touchpoint, value, times, ...) live in this namespace.
pub const VF_NS: &str = "https://valueflow.dev/bpmn/1";
/// Elements nested deeper than this are refused (real files stay under 20).
pub const MAX_DEPTH: usize = 256;
/// At most this many XML nodes (elements, texts, comments) are parsed: roxmltree reserves
/// one node (80 bytes) per `<` of the input up front, so this caps that at about 400 MB.
/// valueflow's own export has one `<` per 52 bytes (14 per step), 2.6 M in 128 MiB.
pub const MAX_NODES: u64 = 5_000_000;
/// At most this many attributes are parsed: roxmltree reserves one (72 bytes) per `=` of the
/// input up front, so this caps that at about 580 MB (valueflow's export: one `=` per 30
/// bytes, 24 per step, 4.4 M in 128 MiB).
pub const MAX_ATTRIBUTES: u64 = 8_000_000;

/// Task types: each becomes an activity step.
pub const TASKS: &[&str] = &[
    "task",
    "userTask",
    "serviceTask",
    "scriptTask",
    "businessRuleTask",
    "manualTask",
    "sendTask",
    "receiveTask",
];
/// Activities that hold or call other activities: each becomes one activity step.
pub const CONTAINERS: &[&str] = &[
    "subProcess",
    "transaction",
    "adHocSubProcess",
    "callActivity",
];
/// Events.
pub const EVENTS: &[&str] = &[
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "implicitThrowEvent",
];
/// Gateways.
pub const GATEWAYS: &[&str] = &[
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
];

/// Whether a BPMN element name is a flow node (a step).
pub fn is_flow_node(name: &str) -> bool {
    TASKS.contains(&name)
        || CONTAINERS.contains(&name)
        || EVENTS.contains(&name)
        || GATEWAYS.contains(&name)
}

/// Reads a BPMN file from bytes; `source_name` names it in errors (and names the map if the
/// file does not). The XML declaration's encoding decides how the bytes are read: UTF-8 (also
/// without a declaration) or ISO-8859-1; any other declared encoding is refused rather than
/// guessed.
pub fn import_bytes(source_name: &str, bytes: &[u8]) -> Result<Imported, InteropError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let declared = xml::declared_encoding(bytes);
    let encoding = match &declared {
        None => Encoding::Utf8,
        Some(name) => xml::known_encoding(name).ok_or_else(|| {
            error(
                source_name,
                Some((1, 1)),
                BpmnProblem::UnsupportedEncoding(name.clone()),
            )
        })?,
    };
    let text = match (encoding, std::str::from_utf8(bytes)) {
        // ISO-8859-1 maps every byte to the code point of the same number.
        (Encoding::Latin1, _) => bytes.iter().map(|&b| char::from(b)).collect(),
        (Encoding::Utf8, Ok(t)) => std::borrow::Cow::Borrowed(t),
        (Encoding::Utf8, Err(e)) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let col = valid.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
            let problem = if declared.is_some() {
                BpmnProblem::InvalidUtf8
            } else {
                BpmnProblem::NotUtf8
            };
            return Err(error(source_name, Some((line, col)), problem));
        }
    };
    import_str(source_name, &text)
}

fn error(file: &str, position: Option<(u32, u32)>, problem: BpmnProblem) -> InteropError {
    InteropError::Bpmn {
        file: file.to_owned(),
        position,
        problem: Box::new(problem),
    }
}

/// (line, column) of a byte offset, both from 1, the column in characters: as roxmltree
/// counts them.
fn text_pos(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text.as_bytes()[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() as u32 + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |k| k + 1);
    let col = text[line_start..offset].chars().count() as u32 + 1;
    (line, col)
}

/// Reads a BPMN document from text.
pub fn import_str(source_name: &str, text: &str) -> Result<Imported, InteropError> {
    if text.trim().is_empty() {
        return Err(InteropError::Empty {
            file: source_name.to_owned(),
        });
    }
    let tags = counted_size(source_name, text)?;
    // Most elements are written as a start and an end tag.
    let elements = usize::try_from(tags / 2).unwrap_or(0);
    if text.len() >= split::MIN_BYTES
        && let Some(imported) = split::import(source_name, text, elements)
    {
        return Ok(imported);
    }
    import_whole(source_name, text, elements)
}

/// How roxmltree parses a BPMN file.
fn parsing_options<'i>() -> ParsingOptions<'i> {
    ParsingOptions {
        allow_dtd: false,
        // Checked by `check_size`; the bound here is the same, should its count ever differ.
        nodes_limit: u32::try_from(MAX_NODES + 2).unwrap_or(u32::MAX),
        ..ParsingOptions::default()
    }
}

/// The import from the file parsed as one tree: what decides every error.
fn import_whole(source_name: &str, text: &str, elements: usize) -> Result<Imported, InteropError> {
    let doc = Document::parse_with_options(text, parsing_options()).map_err(|e| {
        let pos = e.pos();
        let problem = match e {
            roxmltree::Error::DtdDetected => BpmnProblem::Dtd,
            roxmltree::Error::NodesLimitReached => BpmnProblem::TooManyNodes(MAX_NODES),
            roxmltree::Error::AttributesLimitReached => {
                BpmnProblem::TooManyAttributes(MAX_ATTRIBUTES)
            }
            e => {
                let message = e.to_string();
                BpmnProblem::Xml(
                    message
                        .strip_suffix(&format!(" at {pos}"))
                        .unwrap_or(&message)
                        .to_owned(),
                )
            }
        };
        error(source_name, Some((pos.row, pos.col)), problem)
    })?;
    let trees = index::Trees {
        main: &doc,
        diagram: None,
    };
    let ix = Index::new(source_name, trees, elements)?;
    import_checked(&ix)
}

/// At most this many bytes of labels on the information flows made from data objects and
/// stores (each flow a copy of the item's name): as much as the largest file read.
pub const MAX_DATA_LABEL_BYTES: u64 = super::MAX_BPMN_INPUT_BYTES;

/// From this many elements on, a second thread helps: it makes half the steps of each large
/// process, then checks the references while the mapping goes on (on a small file a thread
/// costs more than it saves).
pub(super) const PARALLEL_MIN_ELEMENTS: usize = 5_000;

/// The helper thread checks this many elements' references between two looks at its queue
/// (a fraction of a millisecond: the importer waits no longer for its steps to be taken up).
const CHECK_PART: usize = 2_048;

/// From this many flow nodes in a process on, the helper thread makes part of its steps.
pub(super) const PARALLEL_MIN_STEPS: usize = 1_000;

/// The importer makes this share (numerator, denominator) of a large process's steps and
/// the helper the rest: the importer reads the process's lanes first, in about the time
/// the helper takes for its larger share.
const IMPORTER_SHARE: (usize, usize) = (2, 5);

/// The mapping of an indexed document, its references checked first: the check's error
/// wins over whatever the mapping found, and the check's notes come first. On a large file
/// the two run side by side (the mapping reads only what the index holds, and tells a
/// reference that names nothing apart where it needs to, so it may run before the check
/// is done; its result counts only if the check passes).
fn import_checked(ix: &Index<'_, '_>) -> Result<Imported, InteropError> {
    import_checked_with(ix, PARALLEL_MIN_ELEMENTS, PARALLEL_MIN_STEPS, CHECK_PART)
}

/// `import_checked` with its thresholds for the helper thread and the size of its check's
/// parts given (the tests lower them).
fn import_checked_with(
    ix: &Index<'_, '_>,
    min_elements: usize,
    min_steps: usize,
    check_part: usize,
) -> Result<Imported, InteropError> {
    use std::sync::mpsc;
    std::thread::scope(|s| {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (answers, made) = mpsc::channel();
        let (resolved, ends) = mpsc::channel();
        let helper = (ix.elements.len() >= min_elements)
            .then(|| {
                std::thread::Builder::new()
                    .spawn_scoped(s, move || {
                        // The check, a part at a time; the steps the mapping hands over
                        // (it waits for them) come before the next part. Once the mapping
                        // has no more to hand over (it drops its end), the rest of the check.
                        let mut check = index::ReferenceCheck::default();
                        loop {
                            let job = if check.done(ix) {
                                queue.recv().ok()
                            } else {
                                match queue.try_recv() {
                                    Ok(job) => Some(job),
                                    Err(mpsc::TryRecvError::Empty) => {
                                        check.step(ix, check_part);
                                        continue;
                                    }
                                    Err(mpsc::TryRecvError::Disconnected) => None,
                                }
                            };
                            let sent = match job {
                                None => break,
                                Some(Job::Steps(job)) => answers.send(ix.make_steps(&job)).is_ok(),
                                Some(Job::Ends(process, flows)) => {
                                    resolved.send((process, ix.flow_ends(&flows))).is_ok()
                                }
                            };
                            if !sent {
                                break;
                            }
                        }
                        check.finish(ix)
                    })
                    .ok()
            })
            .flatten();
        // (A thread that cannot start leaves the check to this one, first.)
        let Some(helper) = helper else {
            let notes = ix.check_references()?;
            return with_notes_first(notes, Importer::new(ix).import());
        };
        let mut importer = Importer::new(ix);
        importer.helper = Some(Helper {
            jobs,
            made,
            ends,
            ends_asked: 0,
            min_steps,
        });
        // (The importer, and with it its end of the helper's queue, is gone once this returns.)
        let imported = importer.import();
        let notes = helper
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        with_notes_first(notes, imported)
    })
}

/// The import, with the reference check's notes before its own (escaped as every note is).
fn with_notes_first(
    notes: Vec<String>,
    imported: Result<Imported, InteropError>,
) -> Result<Imported, InteropError> {
    let mut imported = imported?;
    if !notes.is_empty() {
        let own = std::mem::take(&mut imported.notes);
        imported.notes = notes
            .iter()
            .map(|n| crate::text::escape_control(n).into_owned())
            .chain(own)
            .collect();
    }
    Ok(imported)
}

/// Bounds the parser's memory before it runs: roxmltree reserves a node per `<` and an
/// attribute per `=` of the input, so a file of millions of empty elements is refused here,
/// at the line where the limit is passed, instead of exhausting memory.
pub fn check_size(source_name: &str, text: &str) -> Result<(), InteropError> {
    counted_size(source_name, text).map(|_| ())
}

/// `check_size`, returning the number of `<` (at most `MAX_NODES`): an upper bound of the
/// elements, to size the indexes by.
fn counted_size(source_name: &str, text: &str) -> Result<u64, InteropError> {
    let bytes = text.as_bytes();
    let (nodes, attributes) = count_two(bytes, b'<', b'=');
    if nodes <= MAX_NODES && attributes <= MAX_ATTRIBUTES {
        return Ok(nodes);
    }
    // Too many: where the limit is passed.
    for (byte, limit, problem) in [
        (b'<', MAX_NODES, BpmnProblem::TooManyNodes(MAX_NODES)),
        (
            b'=',
            MAX_ATTRIBUTES,
            BpmnProblem::TooManyAttributes(MAX_ATTRIBUTES),
        ),
    ] {
        // Where the limit is passed: the (limit + 1)-th occurrence, if there is one.
        let Some(at) =
            memchr::memchr_iter(byte, bytes).nth(usize::try_from(limit).unwrap_or(usize::MAX))
        else {
            continue;
        };
        return Err(error(source_name, Some(text_pos(text, at)), problem));
    }
    Ok(nodes.min(MAX_NODES))
}

/// How many times each of two bytes occurs, in one pass that the compiler turns into
/// vector compares (visiting each occurrence through `memchr_iter` was 4% of an import's
/// instructions).
pub(super) fn count_two(bytes: &[u8], a: u8, b: u8) -> (u64, u64) {
    let (mut total_a, mut total_b) = (0u64, 0u64);
    // At most 255 bytes a chunk, so that the per-chunk counts fit a byte.
    for chunk in bytes.chunks(255) {
        let (mut in_a, mut in_b) = (0u8, 0u8);
        for &x in chunk {
            in_a += u8::from(x == a);
            in_b += u8::from(x == b);
        }
        total_a += u64::from(in_a);
        total_b += u64::from(in_b);
    }
    (total_a, total_b)
}

pub use super::xml::parse_iso_duration;

/// A lane of the map being built, with its place in the diagram for ordering.
struct LaneSpec {
    id: String,
    name: String,
    /// The DI y of the lane's (or pool's) shape; lanes without one go last.
    order_y: Option<f64>,
    /// valueflow's `vf:customer` (format v2).
    customer: bool,
}

/// A pool or a process without a pool: the unit that owns lanes and steps.
struct Container<'a, 'i> {
    participant: Option<Node<'a, 'i>>,
    process: Option<Node<'a, 'i>>,
}

struct PendingFlow {
    from: usize,
    to: usize,
    kind: FlowKind,
    label: String,
    probability: Option<f64>,
    /// vf:flowIndex, the flow's place in the exported map's order.
    index: Option<u64>,
}

impl PendingFlow {
    /// An information flow (a message flow, a data item's, an association's).
    fn information(from: usize, to: usize, label: String, index: Option<u64>) -> Self {
        Self {
            from,
            to,
            kind: FlowKind::Information,
            label,
            probability: None,
            index,
        }
    }
}

/// A flow node to make a step of, with the number of distinct targets of its sequence flows.
type StepJob<'a, 'i> = (Node<'a, 'i>, usize);

/// What the importer hands the helper thread: the tail of a large process's step jobs, or
/// the sequence flows of a large process (of its `At`) whose ends to look up.
enum Job<'a, 'i> {
    Steps(Vec<StepJob<'a, 'i>>),
    Ends(index::At, Vec<Node<'a, 'i>>),
}

/// The elements a sequence flow's `sourceRef` and `targetRef` name (`Index::lookup_at`).
type FlowEnds = (Option<index::At>, Option<index::At>);

/// A step made from a flow node (`Index::make_step`), not yet in the importer.
struct MadeStep {
    step: Step,
    /// The notes its making gave, not yet escaped.
    notes: Vec<String>,
    /// The elements nested in the flow node that carry an id (they belong to the step).
    inner: Vec<index::At>,
}

/// The importer's end of the helper thread of a large file, which checks the references
/// and, between two parts of the check, makes the tail of each large process's steps and
/// looks up the ends of its sequence flows.
struct Helper<'a, 'i> {
    jobs: std::sync::mpsc::Sender<Job<'a, 'i>>,
    made: std::sync::mpsc::Receiver<Result<Vec<MadeStep>, InteropError>>,
    /// The ends of each large process's sequence flows, looked up in the helper's slack
    /// (the mapping reads them once every step is made), and how many were asked for.
    ends: std::sync::mpsc::Receiver<(index::At, Vec<FlowEnds>)>,
    ends_asked: usize,
    /// From this many flow nodes in a process on, part of them go to the helper.
    min_steps: usize,
}

/// A data object or store, with the steps that write and read it (`data_items`).
struct DataItem<'a, 'i> {
    /// The element that first named it (where a refusal points).
    at: Node<'a, 'i>,
    label: String,
    writers: Vec<(usize, Option<u64>)>,
    readers: Vec<usize>,
}

/// A process's sequence flows and boundary events, in file order.
#[derive(Default)]
struct ProcessFlows<'a, 'i> {
    sequence_flows: Vec<Node<'a, 'i>>,
    boundary_events: Vec<Node<'a, 'i>>,
    /// The ends of `sequence_flows`, where the helper thread looked them up.
    ends: Option<Vec<FlowEnds>>,
}

impl<'a, 'i> ProcessFlows<'a, 'i> {
    fn of(process: Node<'a, 'i>) -> Self {
        Self {
            sequence_flows: bpmn_named(process, "sequenceFlow").collect(),
            boundary_events: bpmn_named(process, "boundaryEvent").collect(),
            ends: None,
        }
    }
}

/// The mapping's state: what it has made so far, over the indexed document.
struct Importer<'x, 'a, 'i> {
    ix: &'x Index<'a, 'i>,
    notes: Vec<String>,
    steps: Vec<Step>,
    /// The process each step comes from (none for a black-box pool's step).
    step_process: Vec<Option<index::At>>,
    /// The step each flow node (and each element nested in a sub-process) stands for.
    owner: IdMap<index::At, usize>,
    /// The element each step was made from (where its errors point).
    step_at: Vec<index::At>,
    /// Each process's sequence flows and boundary events, gathered by `add_container`'s
    /// one walk over the process's children for `add_sequence_flows`.
    process_flows: IdMap<index::At, ProcessFlows<'a, 'i>>,
    lanes: Vec<LaneSpec>,
    /// The ids in `lanes`, to make new ones unique without a scan.
    lane_ids: IdSet<String>,
    flows: Vec<PendingFlow>,
    flow_at: IdMap<(usize, usize, FlowKind), usize>,
    /// Pools and processes without a name so far ("Pool 1", "Pool 2", …).
    unnamed_pools: usize,
    /// The helper thread, while the steps are being made (on a large file).
    helper: Option<Helper<'a, 'i>>,
}

/// Reading one element of the indexed document: what the importer and its helper thread
/// share (`make_step`), and the error helpers of both.
impl<'a, 'i> Index<'a, 'i> {
    fn bad_attribute(&self, n: Node, attribute: &str, expected: &str, found: &str) -> InteropError {
        self.fail(
            n,
            BpmnProblem::BadAttribute {
                element: n.tag_name().name().to_owned(),
                id: n.attribute("id").unwrap_or_default().to_owned(),
                attribute: attribute.to_owned(),
                expected: expected.to_owned(),
                found: found.to_owned(),
            },
        )
    }

    fn invalid(&self, n: Node, e: MapError) -> InteropError {
        self.fail(
            n,
            BpmnProblem::Invalid {
                element: n.tag_name().name().to_owned(),
                id: n.attribute("id").unwrap_or_default().to_owned(),
                error: e,
            },
        )
    }

    /// `[x, y, width, height]` of a shape's `dc:Bounds`.
    fn bounds(&self, shape: Node) -> Result<Option<[f64; 4]>, InteropError> {
        let Some(b) = shape
            .children()
            .find(|c| c.tag_name().namespace() == Some(DC_NS) && c.tag_name().name() == "Bounds")
        else {
            return Ok(None);
        };
        let mut out = [0.0; 4];
        for (k, attr) in ["x", "y", "width", "height"].into_iter().enumerate() {
            let text = b.attribute(attr).unwrap_or("0");
            out[k] = match text.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => return Err(self.bad_attribute(b, attr, "a finite number", text)),
            };
        }
        Ok(Some(out))
    }

    /// A text attribute (`name`, or `vf:<name>` when `vf` is true), exactly as valueflow
    /// wrote it: `vf:<name>Escaped` (see `xml::encode_exact`), where present, holds the text
    /// with the characters XML cannot carry.
    fn exact(&self, n: Node, name: &str, vf: bool) -> Result<Option<String>, InteropError> {
        // Every text attribute valueflow writes may have an exact form beside it.
        let escaped = n.attributes().find(|a| {
            a.name()
                .strip_prefix(name)
                .is_some_and(|rest| rest == "Escaped")
                && a.namespace() == Some(VF_NS)
        });
        if let Some(escaped) = escaped.map(|a| a.value()) {
            return xml::decode_exact(escaped).map(Some).ok_or_else(|| {
                self.bad_attribute(
                    n,
                    &format!("vf:{name}Escaped"),
                    "text with \\\\ and \\u{hex} escapes only",
                    escaped,
                )
            });
        }
        let plain = if vf {
            vf_attr(n, name)
        } else {
            n.attribute(name)
        };
        Ok(plain.map(str::to_owned))
    }

    /// valueflow's own attributes, where the file has them, override the mapping's defaults.
    fn apply_vf(&self, n: Node, step: &mut Step) -> Result<(), InteropError> {
        let attr = |name: &str| vf_attr(n, name);
        if let Some(id) = self.exact(n, "id", true)? {
            step.id = StepId::new(id);
        }
        if let Some(v) = attr("kind") {
            step.kind = StepKind::parse(v)
                .ok_or_else(|| self.bad_attribute(n, "vf:kind", &StepKind::expected(), v))?;
        }
        if let Some(v) = attr("touchpoint") {
            step.touchpoint = Touchpoint::parse(v).ok_or_else(|| {
                self.bad_attribute(n, "vf:touchpoint", &Touchpoint::expected(), v)
            })?;
        }
        if let Some(v) = attr("value") {
            step.value = Value::parse(v)
                .ok_or_else(|| self.bad_attribute(n, "vf:value", &Value::expected(), v))?;
        }
        for (name, field) in [
            ("workMins", &mut step.work_mins),
            ("waitMins", &mut step.wait_mins),
        ] {
            if let Some(v) = attr(name) {
                *field = v
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|m| m.is_finite() && *m >= 0.0)
                    .ok_or_else(|| {
                        self.bad_attribute(n, &format!("vf:{name}"), "a number of minutes >= 0", v)
                    })?;
            }
        }
        for (name, field) in [
            ("benefit", &mut step.benefit),
            ("system", &mut step.system),
            ("notes", &mut step.notes),
        ] {
            if let Some(v) = self.exact(n, name, true)? {
                *field = v;
            }
        }
        step.review = self.review(n)?.map(Box::new);
        Ok(())
    }

    /// A step's review from valueflow's attributes (format v2), if it has any.
    fn review(&self, n: Node) -> Result<Option<Review>, InteropError> {
        let mut review = Review::default();
        for (k, (name, _)) in super::bpmn_export::REVIEW_ATTRS.iter().enumerate() {
            if let Some(v) = self.exact(n, name.strip_prefix("vf:").unwrap_or(name), true)? {
                review.answers[k] = v;
            }
        }
        if let Some(v) = self.exact(n, "rationale", true)? {
            review.rationale = v;
        }
        let minutes = |name: &str| -> Result<Option<f64>, InteropError> {
            vf_attr(n, name)
                .map(|v| {
                    v.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|m| m.is_finite() && *m >= 0.0)
                        .ok_or_else(|| {
                            self.bad_attribute(
                                n,
                                &format!("vf:{name}"),
                                "a number of minutes >= 0",
                                v,
                            )
                        })
                })
                .transpose()
        };
        let targets = TargetTimes {
            work_mins: minutes("targetWorkMins")?,
            wait_mins: minutes("targetWaitMins")?,
        };
        if let Some(v) = vf_attr(n, "disposition") {
            let kind = DispositionKind::parse(v).ok_or_else(|| {
                self.bad_attribute(n, "vf:disposition", &DispositionKind::expected(), v)
            })?;
            review.disposition = match kind {
                DispositionKind::Undecided => Disposition::Undecided,
                DispositionKind::Keep => Disposition::Keep,
                DispositionKind::Eliminate => Disposition::Eliminate,
                DispositionKind::Merge => Disposition::Merge {
                    into: StepId::new(self.exact(n, "mergeInto", true)?.ok_or_else(|| {
                        self.bad_attribute(
                            n,
                            "vf:mergeInto",
                            "the id of the step it merges into",
                            "",
                        )
                    })?),
                },
                DispositionKind::Backstage => Disposition::Backstage,
                DispositionKind::Automate => Disposition::Automate(targets),
                DispositionKind::Simplify => Disposition::Simplify(targets),
            };
        }
        Ok((!review.is_empty()).then_some(review))
    }

    /// The elements each sequence flow's ends name, as `Importer::flow_end` looks them up.
    fn flow_ends(&self, flows: &[Node]) -> Vec<FlowEnds> {
        let end = |f: &Node, reference| self.lookup_at(f.attribute(reference).unwrap_or_default());
        flows
            .iter()
            .map(|f| (end(f, "sourceRef"), end(f, "targetRef")))
            .collect()
    }

    /// The steps of flow nodes, in their order, or the first node's error.
    fn make_steps(&self, jobs: &[StepJob<'a, 'i>]) -> Result<Vec<MadeStep>, InteropError> {
        // Sized up front: a `Result` collect would regrow a vector of large steps.
        let mut made = Vec::with_capacity(jobs.len());
        for &(n, outgoing) in jobs {
            made.push(self.make_step(n, outgoing)?);
        }
        Ok(made)
    }

    /// The step a flow node stands for (its lane is the importer's to set), with the notes it
    /// gives (not yet escaped) and the elements nested in it that carry an id, which belong to
    /// the step. It reads only the index, so that the helper thread can make steps too.
    fn make_step(&self, n: Node<'a, 'i>, outgoing: usize) -> Result<MadeStep, InteropError> {
        let element = n.tag_name().name();
        let Some(bpmn_id) = n.attribute("id").filter(|id| !id.is_empty()) else {
            return Err(self.fail(
                n,
                BpmnProblem::MissingId {
                    element: element.to_owned(),
                },
            ));
        };
        let name = match self.exact(n, "name", false)? {
            Some(name) => name,
            None => humanize(element),
        };
        let mut notes = Vec::new();
        let mut step = Step::new(bpmn_id, name, StepKind::Activity);
        step.kind = match element {
            "startEvent" => StepKind::Start,
            "endEvent" => StepKind::End,
            "parallelGateway" => StepKind::Activity,
            g if GATEWAYS.contains(&g) && outgoing > 1 => StepKind::Decision,
            "intermediateCatchEvent" => match timer_duration(n) {
                Some(text) => {
                    step.wait_mins = match parse_iso_duration(&text) {
                        Some(mins) => mins,
                        None => {
                            notes.push(format!(
                                "timer \"{bpmn_id}\": \"{}\" is not an ISO-8601 duration; its wait was set to 0",
                                text.trim()
                            ));
                            0.0
                        }
                    };
                    StepKind::Wait
                }
                None if has_timer(n) => {
                    notes.push(format!(
                        "timer \"{bpmn_id}\" waits for a date or cycle, not a duration; its wait was set to 0"
                    ));
                    StepKind::Wait
                }
                None => StepKind::Activity,
            },
            _ => StepKind::Activity,
        };
        if CONTAINERS[..3].contains(&element) {
            let inner = n
                .descendants()
                .filter(|d| {
                    d.tag_name().namespace() == Some(BPMN_NS) && is_flow_node(d.tag_name().name())
                })
                .count()
                .saturating_sub(1);
            if inner > 0 {
                step.notes = format!("BPMN {element} holding {inner} element(s), kept as one step");
            }
        }
        if let Some(shape) = self.shapes.get(bpmn_id).map(|&s| self.node(s))
            && vf_attr(shape, "autoPlaced") != Some("true")
            && let Some([x, y, w, h]) = self.bounds(shape)?
        {
            step.pos = Some([(x + w / 2.0) as f32, (y + h / 2.0) as f32]);
        }
        self.apply_vf(n, &mut step)?;
        let inner = n
            .descendants()
            .skip(1)
            .filter(|d| d.attribute("id").is_some() && d.tag_name().namespace() == Some(BPMN_NS))
            .map(|d| self.at(d))
            .collect();
        Ok(MadeStep { step, notes, inner })
    }
}

/// The index's lookups and error helpers are the importer's too.
impl<'a, 'i> std::ops::Deref for Importer<'_, 'a, 'i> {
    type Target = Index<'a, 'i>;
    fn deref(&self) -> &Index<'a, 'i> {
        self.ix
    }
}

impl<'x, 'a, 'i> Importer<'x, 'a, 'i> {
    fn new(ix: &'x Index<'a, 'i>) -> Self {
        Self {
            ix,
            notes: Vec::new(),
            steps: Vec::new(),
            step_process: Vec::new(),
            owner: IdMap::default(),
            step_at: Vec::new(),
            process_flows: IdMap::default(),
            lanes: Vec::new(),
            lane_ids: IdSet::default(),
            flows: Vec::new(),
            flow_at: IdMap::default(),
            unnamed_pools: 0,
            helper: None,
        }
    }

    /// Records a note for the user; ids and names from the file are escaped so that a
    /// note prints as one inert line.
    fn note(&mut self, text: String) {
        self.notes
            .push(crate::text::escape_control(&text).into_owned());
    }

    /// The DI y of an element's shape, for ordering lanes.
    fn shape_y(&self, id: Option<&str>) -> Result<Option<f64>, InteropError> {
        match id.and_then(|id| self.shapes.get(id)) {
            Some(&shape) => Ok(self.bounds(self.node(shape))?.map(|b| b[1])),
            None => Ok(None),
        }
    }

    fn import(mut self) -> Result<Imported, InteropError> {
        let containers = self.containers();
        let laneless = self.is_laneless(&containers);
        for c in &containers {
            self.add_container(c, laneless)?;
        }
        // Every step is made: the helper thread goes on to the reference check. (Reading
        // the information flows on a third thread beside the work flows was tried: the
        // helper is still checking then, and on two cores the three threads were slower.)
        let mut process_flows = std::mem::take(&mut self.process_flows);
        if let Some(helper) = self.helper.take() {
            // (A helper that is gone has panicked: its join resumes the panic, and the
            // ends not received are looked up here.)
            for (process, ends) in helper.ends.iter().take(helper.ends_asked) {
                if let Some(flows) = process_flows.get_mut(&process) {
                    flows.ends = Some(ends);
                }
            }
        }
        let placed = Placed {
            ix: self.ix,
            owner: &self.owner,
            step_process: &self.step_process,
        };
        // Each kind goes in in file order; the first error wins as if each were put in as
        // it is read (the data flows' bound counts the flows before them, so it comes
        // before an association's error).
        let work = placed.work_flows(process_flows)?;
        let (messages, notes) = placed.message_flows()?;
        let data = placed.data_items()?;
        let associations = placed.association_flows();
        for f in work {
            self.push_flow(f);
        }
        for note in notes {
            self.note(note);
        }
        for f in messages {
            self.push_flow(f);
        }
        self.add_data_flows(data)?;
        for f in associations? {
            self.push_flow(f);
        }
        let root = self.root();
        self.build(root, laneless)
    }

    /// Pools first (in file order), then processes that no pool shows.
    fn containers(&self) -> Vec<Container<'a, 'i>> {
        let mut out = Vec::new();
        let mut shown = IdSet::default();
        for collaboration in self.ix.top_level("collaboration") {
            for p in bpmn_named(collaboration, "participant") {
                let process = p
                    .attribute("processRef")
                    .and_then(|r| self.lookup(r))
                    .filter(|n| n.tag_name().name() == "process");
                if let Some(process) = process {
                    shown.insert(self.at(process));
                }
                out.push(Container {
                    participant: Some(p),
                    process,
                });
            }
        }
        for process in self.ix.top_level("process") {
            if !shown.contains(&self.at(process)) {
                out.push(Container {
                    participant: None,
                    process: Some(process),
                });
            }
        }
        out
    }

    /// A map without lanes: one process and no lanes in the whole file, shown by no pool (or
    /// by a pool valueflow marked `vf:laneless`, as it exports maps without lanes).
    fn is_laneless(&self, containers: &[Container]) -> bool {
        let [only] = containers else {
            return false;
        };
        let has_lanes = only.process.is_some_and(|p| {
            p.descendants()
                .any(|n| n.tag_name().name() == "lane" && n.tag_name().namespace() == Some(BPMN_NS))
        });
        only.process.is_some()
            && !has_lanes
            && only
                .participant
                .is_none_or(|p| vf_attr(p, "laneless") == Some("true"))
    }

    fn add_container(&mut self, c: &Container<'a, 'i>, laneless: bool) -> Result<(), InteropError> {
        let pool_name = c
            .participant
            .and_then(|p| p.attribute("name"))
            .or_else(|| c.process.and_then(|p| p.attribute("name")))
            .filter(|n| !n.trim().is_empty());
        // A pool or process without a name gets a readable one, never its generated id.
        let pool_label = match pool_name {
            Some(n) => n.to_owned(),
            None => {
                self.unnamed_pools += 1;
                format!("Pool {}", self.unnamed_pools)
            }
        };
        let pool_node = c.participant.or(c.process);
        let pool_id = pool_node
            .and_then(|n| n.attribute("id"))
            .unwrap_or("pool")
            .to_owned();
        let Some(process) = c.process else {
            // A black-box pool: one lane holding one step, so message flows have an end.
            let Some(p) = c.participant else {
                return Ok(());
            };
            let lane = self.add_lane(
                self.lane_id(p, &pool_id)?,
                self.lane_name(p, &pool_label)?,
                self.shape_y(Some(&pool_id))?,
            );
            let mut step = Step::new(pool_id.clone(), &pool_label, StepKind::Activity);
            step.lane = Some(LaneId::new(lane));
            step.notes = "A pool without a process in the BPMN file".into();
            if let Some(&shape) = self.shapes.get(pool_id.as_str())
                && let Some([x, y, w, h]) = self.bounds(self.node(shape))?
            {
                step.pos = Some([(x + w / 2.0) as f32, (y + h / 2.0) as f32]);
            }
            self.apply_vf(p, &mut step)?;
            self.push_step(step, self.at(p), None);
            return Ok(());
        };
        // The process's children in one walk (a process of thousands of steps has tens of
        // thousands of children, and each walk over them costs).
        let (mut lane_sets, mut flow_nodes, mut flows) =
            (Vec::new(), Vec::new(), ProcessFlows::default());
        let mut gateways: IdSet<&'a str> = IdSet::default();
        for n in process.children() {
            if !n.is_element() || n.tag_name().namespace() != Some(BPMN_NS) {
                continue;
            }
            match n.tag_name().name() {
                "laneSet" => lane_sets.push(n),
                "sequenceFlow" => flows.sequence_flows.push(n),
                name if is_flow_node(name) => {
                    flow_nodes.push(n);
                    if name == "boundaryEvent" {
                        flows.boundary_events.push(n);
                    } else if GATEWAYS.contains(&name) {
                        gateways.insert(n.attribute("id").unwrap_or_default());
                    }
                }
                _ => {}
            }
        }
        // Steps: the process's flow nodes; a sub-process is one step and what is inside it
        // belongs to that step. A gateway with more than one distinct target splits the
        // flow: each gateway's distinct (source, target) pairs are counted (only a
        // gateway's count is read).
        let mut targets: IdMap<&'a str, usize> = IdMap::default();
        if !gateways.is_empty() {
            let mut pairs: IdSet<(&'a str, &'a str)> = IdSet::default();
            for &f in &flows.sequence_flows {
                if let (Some(a), Some(b)) = (f.attribute("sourceRef"), f.attribute("targetRef")) {
                    let (a, b) = (trimmed(a), trimmed(b));
                    if gateways.contains(a) && pairs.insert((a, b)) {
                        *targets.entry(a).or_insert(0) += 1;
                    }
                }
            }
        }
        let jobs: Vec<StepJob<'a, 'i>> = flow_nodes
            .iter()
            .map(|&n| {
                let id = n.attribute("id").unwrap_or_default();
                (n, targets.get(id).copied().unwrap_or(0))
            })
            .collect();
        // The helper thread's share goes out first: the lanes are read while it works.
        let handed = self.hand_over(&jobs);
        // Then, for a large process, its sequence flows' ends to look up.
        let at = self.ix.at(process);
        if let std::collections::hash_map::Entry::Vacant(slot) = self.process_flows.entry(at) {
            if let Some(helper) = self.helper.as_mut().filter(|_| handed.is_some())
                && (helper.jobs)
                    .send(Job::Ends(at, flows.sequence_flows.clone()))
                    .is_ok()
            {
                helper.ends_asked += 1;
            }
            slot.insert(flows);
        }
        // Lanes: the leaves of the lane tree, named "Parent / Child".
        // Flow node id → the lane that lists it, and the leaf lane it goes to.
        let mut lane_of: IdMap<index::At, (Node<'a, 'i>, &'a str)> = IdMap::default();
        let mut leaves = Vec::new();
        let mut stack: Vec<(Node<'a, 'i>, String)> = lane_sets
            .iter()
            .flat_map(|s| bpmn_named(*s, "lane"))
            .map(|l| (l, String::new()))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let mut unnamed_lanes = 0usize;
        while let Some((lane, parent)) = stack.pop() {
            let own = match lane.attribute("name").filter(|n| !n.trim().is_empty()) {
                Some(n) => n.to_owned(),
                None => {
                    unnamed_lanes += 1;
                    format!("Lane {unnamed_lanes}")
                }
            };
            let name = if parent.is_empty() {
                own
            } else {
                format!("{parent} / {own}")
            };
            let children: Vec<_> = lanes_of(lane, "childLaneSet").collect();
            let id = lane.attribute("id").unwrap_or_default();
            let leaf = if children.is_empty() {
                leaves.push((lane, name.clone()));
                id
            } else {
                // Nodes a parent lane names directly go to its first leaf.
                first_leaf(lane)
                    .and_then(|l| l.attribute("id"))
                    .unwrap_or(id)
            };
            for r in bpmn_named(lane, "flowNodeRef") {
                if let Some(key) = r.text().and_then(|t| self.lookup_at(t)) {
                    // A parent lane lists the nodes of its child lanes too (bpmn-js does);
                    // deeper lanes are visited later and win. Two lanes side by side cannot
                    // both hold a node.
                    if let Some(&(first, _)) = lane_of.get(&key)
                        && first != lane
                        && !lane.ancestors().any(|a| a == first)
                    {
                        return Err(self.fail(
                            r,
                            BpmnProblem::InTwoLanes {
                                node: self
                                    .node(key)
                                    .attribute("id")
                                    .unwrap_or_default()
                                    .to_owned(),
                                first: first.attribute("id").unwrap_or_default().to_owned(),
                                second: id.to_owned(),
                            },
                        ));
                    }
                    lane_of.insert(key, (lane, leaf));
                }
            }
            for ch in children.into_iter().rev() {
                stack.push((ch, name.clone()));
            }
        }
        let mut default_lane = None;
        // BPMN id of a leaf lane → id of the map lane made from it.
        let mut lane_ids: IdMap<&'a str, String> = IdMap::default();
        if laneless {
            // The map has no lanes at all.
        } else if leaves.is_empty() {
            let node = pool_node.unwrap_or(process);
            default_lane = Some(self.add_lane(
                self.lane_id(node, &pool_id)?,
                self.lane_name(node, &pool_label)?,
                self.shape_y(Some(&pool_id))?,
            ));
        } else {
            for (lane, name) in &leaves {
                let id = lane.attribute("id").unwrap_or_default();
                let y = self.shape_y(Some(id))?;
                let added =
                    self.add_lane(self.lane_id(*lane, id)?, self.lane_name(*lane, name)?, y);
                if vf_attr(*lane, "customer") == Some("true")
                    && let Some(spec) = self.lanes.last_mut()
                {
                    spec.customer = true;
                }
                default_lane.get_or_insert_with(|| added.clone());
                lane_ids.insert(id, added);
            }
        }
        let mut unplaced = 0usize;
        let made = self.made_steps(&jobs, handed)?;
        self.steps.reserve(made.len());
        for (n, made) in flow_nodes.into_iter().zip(made) {
            let lane = match lane_of.get(&self.at(n)).and_then(|&(_, l)| lane_ids.get(l)) {
                Some(l) => Some(l.clone()),
                None => {
                    if !leaves.is_empty() {
                        unplaced += 1;
                    }
                    default_lane.clone()
                }
            };
            let MadeStep {
                mut step,
                notes,
                inner,
            } = made;
            step.lane = lane.map(LaneId::new);
            for note in notes {
                self.note(note);
            }
            let i = self.push_step(step, self.at(n), Some(self.at(process)));
            for at in inner {
                self.owner.entry(at).or_insert(i);
            }
        }
        if unplaced > 0 {
            self.note(format!(
                "{unplaced} element(s) of process \"{}\" are in no lane; they were put in its first lane",
                process.attribute("id").unwrap_or_default()
            ));
        }
        Ok(())
    }

    /// Hands the tail of a large process's step jobs to the helper thread, and returns
    /// where that tail starts; `None` when this thread makes them all.
    fn hand_over(&self, jobs: &[StepJob<'a, 'i>]) -> Option<usize> {
        let helper = (self.helper.as_ref()).filter(|h| jobs.len() >= h.min_steps.max(2))?;
        // This thread reads the lanes before it makes its share, so it makes the smaller.
        let split = (jobs.len() * IMPORTER_SHARE.0 / IMPORTER_SHARE.1).clamp(1, jobs.len() - 1);
        helper.jobs.send(Job::Steps(jobs[split..].to_vec())).ok()?;
        Some(split)
    }

    /// The steps of a process's flow nodes, in their order: this thread's share (all of
    /// them unless `handed` says where the helper's tail starts) and the helper's answer.
    /// The first error in their order wins, as if one thread had made them all.
    fn made_steps(
        &self,
        jobs: &[StepJob<'a, 'i>],
        handed: Option<usize>,
    ) -> Result<Vec<MadeStep>, InteropError> {
        let ix = self.ix;
        let (Some(split), Some(helper)) = (handed, self.helper.as_ref()) else {
            return ix.make_steps(jobs);
        };
        let mine = ix.make_steps(&jobs[..split]);
        // Always taken, so that no answer is left for a later process. (A helper that is
        // gone has panicked, and its join resumes the panic: the tail is made here.)
        let theirs = helper
            .made
            .recv()
            .unwrap_or_else(|_| ix.make_steps(&jobs[split..]));
        let mut made = mine?;
        made.extend(theirs?);
        Ok(made)
    }

    /// Adds the step made from the element at `at` (of `process`, unless it is a black-box
    /// pool's), which owns it, and returns its index.
    fn push_step(&mut self, step: Step, at: index::At, process: Option<index::At>) -> usize {
        let i = self.steps.len();
        self.steps.push(step);
        self.owner.insert(at, i);
        self.step_at.push(at);
        self.step_process.push(process);
        i
    }

    /// Adds a lane (unique id) and returns its id.
    fn add_lane(&mut self, id: String, name: String, order_y: Option<f64>) -> String {
        let mut unique = id.clone();
        let mut k = 2;
        while self.lane_ids.contains(&unique) {
            unique = format!("{id}-{k}");
            k += 1;
        }
        self.lane_ids.insert(unique.clone());
        self.lanes.push(LaneSpec {
            id: unique.clone(),
            name,
            order_y,
            customer: false,
        });
        unique
    }

    /// The map's format v2 fields from the definitions' `vf:` attributes.
    fn redesign_fields(&self, root: Node, map: &mut Map) -> Result<(), InteropError> {
        if vf_attr(root, "version") == Some("2") {
            map.read_version = 2;
        }
        let name = self.exact(root, "derivedFromName", true)?;
        let file = self.exact(root, "derivedFromFile", true)?;
        if name.is_some() || file.is_some() {
            map.derived_from = Some(DerivedFrom { name, file });
        }
        for &(param, rating, notes, _) in super::bpmn_export::SCORE_ATTRS {
            let rating_name = rating.strip_prefix("vf:").unwrap_or(rating);
            let rating = match vf_attr(root, rating_name) {
                None | Some("") => None,
                Some(v) => Some(Rating::parse(v).ok_or_else(|| {
                    self.bad_attribute(root, &format!("vf:{rating_name}"), &Rating::expected(), v)
                })?),
            };
            let notes = self
                .exact(root, notes.strip_prefix("vf:").unwrap_or(notes), true)?
                .unwrap_or_default();
            *map.scorecard.get_mut(param) = ScoreEntry { rating, notes };
        }
        Ok(())
    }

    /// A lane's id in the map: valueflow's own id if the file carries one.
    fn lane_id(&self, n: Node, fallback: &str) -> Result<String, InteropError> {
        Ok(self
            .exact(n, "id", true)?
            .unwrap_or_else(|| fallback.to_owned()))
    }

    /// A lane's name: an exported lane's name is exact, even when empty.
    fn lane_name(&self, n: Node, fallback: &str) -> Result<String, InteropError> {
        if self.exact(n, "id", true)?.is_none() {
            return Ok(fallback.to_owned());
        }
        Ok(self.exact(n, "name", false)?.unwrap_or_default())
    }

    /// Adds (or merges into) the flow (from, to, kind).
    fn push_flow(&mut self, flow: PendingFlow) {
        let key = (flow.from, flow.to, flow.kind);
        match self.flow_at.get(&key) {
            Some(&k) => {
                let old = &mut self.flows[k];
                if !flow.label.is_empty() && !old.label.split(" / ").any(|l| l == flow.label) {
                    if !old.label.is_empty() {
                        old.label.push_str(" / ");
                    }
                    old.label.push_str(&flow.label);
                }
                old.probability = match (old.probability, flow.probability) {
                    (Some(a), Some(b)) => Some((a + b).min(1.0)),
                    (a, b) => a.or(b),
                };
            }
            None => {
                self.flow_at.insert(key, self.flows.len());
                self.flows.push(flow);
            }
        }
    }
}

/// The steps made, as the flow passes read them: they read only the index and the steps,
/// and return the flows for the importer to put in, in file order.
struct Placed<'x, 'a, 'i> {
    ix: &'x Index<'a, 'i>,
    owner: &'x IdMap<index::At, usize>,
    step_process: &'x [Option<index::At>],
}

impl<'a, 'i> std::ops::Deref for Placed<'_, 'a, 'i> {
    type Target = Index<'a, 'i>;
    fn deref(&self) -> &Index<'a, 'i> {
        self.ix
    }
}

impl<'a, 'i> Placed<'_, 'a, 'i> {
    fn step_of(&self, reference: Option<&str>) -> Option<usize> {
        self.owner.get(&self.lookup_at(reference?)?).copied()
    }

    fn flow_index(&self, n: Node) -> Result<Option<u64>, InteropError> {
        match vf_attr(n, "flowIndex") {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.bad_attribute(n, "vf:flowIndex", "a whole number >= 0", v)),
        }
    }

    /// The step a sequence flow's end (or a boundary event's host) stands for, which must be
    /// a flow node (for `attachedToRef`: an activity) of `process`.
    fn flow_end(
        &self,
        f: Node<'a, 'i>,
        reference: &'static str,
        process: Node<'a, 'i>,
        looked_up: Option<Option<index::At>>,
    ) -> Result<usize, InteropError> {
        let target = f.attribute(reference).unwrap_or_default();
        let at = looked_up.unwrap_or_else(|| self.lookup_at(target));
        let node = at.map(|at| self.node(at));
        // As `step_of(Some(target))`, without looking the reference up twice.
        let step = at.and_then(|at| self.owner.get(&at).copied());
        let (expected, ok) = if reference == "attachedToRef" {
            let is_activity = node.is_some_and(|n| {
                let name = n.tag_name().name();
                TASKS.contains(&name) || CONTAINERS.contains(&name)
            });
            (
                "an activity (a task, sub-process or call activity) of the same process",
                is_activity && node.is_some_and(|n| n.attribute("id") != f.attribute("id")),
            )
        } else {
            ("a flow node of the same process", true)
        };
        let same_process =
            step.is_some_and(|k| self.step_process.get(k) == Some(&Some(self.at(process))));
        match step {
            Some(k) if ok && same_process => Ok(k),
            _ => {
                let found = match (node, step) {
                    (None, _) => "nothing".to_owned(),
                    (Some(n), Some(k)) if ok && !same_process => {
                        let other = self
                            .step_process
                            .get(k)
                            .copied()
                            .flatten()
                            .map(|p| self.node(p))
                            .and_then(|p| p.attribute("id"))
                            .unwrap_or_default();
                        format!("a {} of process \"{other}\"", n.tag_name().name())
                    }
                    (Some(n), _) if n.attribute("id") == f.attribute("id") => {
                        format!("the {} itself", n.tag_name().name())
                    }
                    (Some(n), _) => format!("a {}", n.tag_name().name()),
                };
                Err(self.fail(
                    f,
                    BpmnProblem::WrongReference {
                        element: f.tag_name().name().to_owned(),
                        id: f.attribute("id").unwrap_or_default().to_owned(),
                        reference: reference.into(),
                        target: target.trim().to_owned(),
                        found,
                        expected,
                    },
                ))
            }
        }
    }

    /// The sequence flows of a process (`flows`: its sequence flows and boundary events),
    /// in file order, then a flow from each boundary event's host.
    fn sequence_flows(
        &self,
        process: Node<'a, 'i>,
        flows: &ProcessFlows<'a, 'i>,
        out: &mut Vec<PendingFlow>,
    ) -> Result<(), InteropError> {
        for (k, &f) in flows.sequence_flows.iter().enumerate() {
            let ends = flows.ends.as_ref().and_then(|e| e.get(k));
            let from = self.flow_end(f, "sourceRef", process, ends.map(|e| e.0))?;
            let to = self.flow_end(f, "targetRef", process, ends.map(|e| e.1))?;
            let label = match self.exact(f, "name", false)?.filter(|n| !n.is_empty()) {
                Some(name) => name,
                None => bpmn_named(f, "conditionExpression")
                    .next()
                    .and_then(|c| c.text())
                    .map(|t| t.trim().to_owned())
                    .unwrap_or_default(),
            };
            let probability = match vf_attr(f, "probability") {
                None => None,
                Some(v) => Some(
                    v.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=1.0).contains(p))
                        .ok_or_else(|| {
                            self.bad_attribute(f, "vf:probability", "a number from 0 to 1", v)
                        })?,
                ),
            };
            let index = self.flow_index(f)?;
            out.push(PendingFlow {
                from,
                to,
                kind: FlowKind::Work,
                label,
                probability,
                index,
            });
        }
        // A boundary event is one more way out of its activity: a work flow from the host.
        for &b in &flows.boundary_events {
            let host = self.flow_end(b, "attachedToRef", process, None)?;
            let Some(event) = self.step_of(b.attribute("id")) else {
                continue;
            };
            let interrupting = b.attribute("cancelActivity") != Some("false");
            out.push(PendingFlow {
                from: host,
                to: event,
                kind: FlowKind::Work,
                label: if interrupting {
                    "boundary event".into()
                } else {
                    "boundary event (non-interrupting)".into()
                },
                probability: None,
                index: None,
            });
        }
        Ok(())
    }

    /// Every process's work flows, in file order (`process_flows`: what `add_container`
    /// gathered of each).
    fn work_flows(
        &self,
        mut process_flows: IdMap<index::At, ProcessFlows<'a, 'i>>,
    ) -> Result<Vec<PendingFlow>, InteropError> {
        let mut out = Vec::new();
        for process in self.ix.top_level("process") {
            let flows = process_flows
                .remove(&self.at(process))
                .unwrap_or_else(|| ProcessFlows::of(process));
            self.sequence_flows(process, &flows, &mut out)?;
        }
        Ok(out)
    }

    /// Every collaboration's message flows between two steps, with the notes on those left
    /// out (not yet escaped).
    fn message_flows(&self) -> Result<(Vec<PendingFlow>, Vec<String>), InteropError> {
        let (mut out, mut notes) = (Vec::new(), Vec::new());
        for collaboration in self.ix.top_level("collaboration") {
            for f in bpmn_named(collaboration, "messageFlow") {
                let (from, to) = (
                    self.step_of(f.attribute("sourceRef")),
                    self.step_of(f.attribute("targetRef")),
                );
                let (Some(from), Some(to)) = (from, to) else {
                    notes.push(format!(
                        "message flow \"{}\" ends on a pool that has a process, not on a step; it was left out",
                        f.attribute("id").unwrap_or_default()
                    ));
                    continue;
                };
                if from == to {
                    continue;
                }
                let index = self.flow_index(f)?;
                let label = f.attribute("name").unwrap_or_default().to_owned();
                out.push(PendingFlow::information(from, to, label, index));
            }
        }
        Ok((out, notes))
    }

    /// Data objects and stores, with the steps that write and read each. References to the
    /// same data object or store count as one.
    fn data_items(&self) -> Result<Vec<DataItem<'a, 'i>>, InteropError> {
        let mut data: Vec<DataItem> = Vec::new();
        let mut data_at: IdMap<&str, usize> = IdMap::default();
        let associations = self.ix.data_associations.iter().copied();
        for a in associations {
            let writes = a.tag_name().name() == "dataOutputAssociation";
            let Some(step) = a.parent().and_then(|p| self.step_of(p.attribute("id"))) else {
                continue;
            };
            let child = if writes { "targetRef" } else { "sourceRef" };
            for r in bpmn_named(a, child) {
                let Some(target) = r.text().and_then(|t| self.lookup(t)) else {
                    continue;
                };
                let (key, inner) = match target.tag_name().name() {
                    "dataObjectReference" | "dataStoreReference" => {
                        let inner = target
                            .attribute("dataObjectRef")
                            .or_else(|| target.attribute("dataStoreRef"))
                            .and_then(|r| self.lookup(r));
                        let key = inner.unwrap_or(target).attribute("id").unwrap_or_default();
                        (key, Some(inner))
                    }
                    "dataObject" | "dataStore" => {
                        (target.attribute("id").unwrap_or_default(), None)
                    }
                    _ => continue,
                };
                let known = data_at.get(key).copied();
                // The label of the item's first reference names it; every other reference
                // element is read too, for its errors (one read again says no more).
                if known.is_none_or(|k| data[k].at != target) {
                    let label = match inner {
                        Some(inner) => match self.exact(target, "name", false)? {
                            Some(name) => name,
                            None => inner
                                .and_then(|i| i.attribute("name"))
                                .unwrap_or_default()
                                .to_owned(),
                        },
                        None => target.attribute("name").unwrap_or_default().to_owned(),
                    };
                    if known.is_none() {
                        data_at.insert(key, data.len());
                        data.push(DataItem {
                            at: target,
                            label,
                            writers: Vec::new(),
                            readers: Vec::new(),
                        });
                    }
                }
                let k = known.unwrap_or(data.len() - 1);
                if writes {
                    let index = vf_attr(a, "flowIndex").and_then(|v| v.trim().parse().ok());
                    data[k].writers.push((step, index));
                } else {
                    data[k].readers.push(step);
                }
            }
        }
        Ok(data)
    }

    /// An association between two steps (not to a text annotation) is an information flow.
    fn association_flows(&self) -> Result<Vec<PendingFlow>, InteropError> {
        let mut out = Vec::new();
        for &a in &self.ix.associations {
            let (Some(from), Some(to)) = (
                self.step_of(a.attribute("sourceRef")),
                self.step_of(a.attribute("targetRef")),
            ) else {
                continue;
            };
            let index = self.flow_index(a)?;
            let label = self.exact(a, "label", true)?.unwrap_or_default();
            out.push(PendingFlow::information(from, to, label, index));
        }
        Ok(out)
    }
}

impl<'x, 'a, 'i> Importer<'x, 'a, 'i> {
    /// Every writer of a data item passes information to every reader of it.
    fn add_data_flows(&mut self, data: Vec<DataItem<'a, 'i>>) -> Result<(), InteropError> {
        // Counted before any is made, so that a file of a few thousand associations cannot
        // ask for billions of flows or gigabytes of copied labels.
        let (mut flows, mut label_bytes) = (self.flows.len() as u64, 0u64);
        for d in &data {
            let made = (d.writers.len() as u64).saturating_mul(d.readers.len() as u64);
            flows = flows.saturating_add(made);
            // A merged label also takes its " / ".
            label_bytes = label_bytes.saturating_add(made.saturating_mul(d.label.len() as u64 + 3));
            if flows > MAX_FLOWS as u64 || label_bytes > MAX_DATA_LABEL_BYTES {
                return Err(self.fail(
                    d.at,
                    BpmnProblem::TooManyDataFlows {
                        element: d.at.tag_name().name().to_owned(),
                        id: d.at.attribute("id").unwrap_or_default().to_owned(),
                        flows,
                        label_mib: label_bytes.div_ceil(1 << 20),
                    },
                ));
            }
        }
        for d in data {
            for &(from, index) in &d.writers {
                for &to in &d.readers {
                    if from != to {
                        self.push_flow(PendingFlow::information(from, to, d.label.clone(), index));
                    }
                }
            }
        }
        Ok(())
    }

    fn build(mut self, root: Node<'a, 'i>, laneless: bool) -> Result<Imported, InteropError> {
        let exact_name = self.exact(root, "name", false)?;
        let name = exact_name
            .as_deref()
            .or_else(|| {
                self.ix
                    .descendants()
                    .filter(|n| {
                        n.tag_name().namespace() == Some(BPMN_NS)
                            && matches!(n.tag_name().name(), "participant" | "process")
                    })
                    .find_map(|n| n.attribute("name").filter(|s| !s.trim().is_empty()))
            })
            .map(str::to_owned)
            .unwrap_or_else(|| {
                Path::new(self.file)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        let mut map = Map::new(name);
        map.description = self.exact(root, "description", true)?.unwrap_or_default();
        self.redesign_fields(root, &mut map)?;
        if !laneless {
            // Lane order from the diagram, top to bottom; lanes without a shape keep file order.
            let mut order: Vec<usize> = (0..self.lanes.len()).collect();
            order.sort_by(|&a, &b| {
                let key = |l: &LaneSpec| l.order_y.unwrap_or(f64::INFINITY);
                key(&self.lanes[a]).total_cmp(&key(&self.lanes[b]))
            });
            for k in order {
                let l = &self.lanes[k];
                let mut lane = Lane::new(LaneId::new(l.id.clone()), l.name.clone());
                lane.customer = l.customer;
                map.add_lane(lane).map_err(|e| self.invalid(root, e))?;
            }
        }
        map.reserve(self.steps.len());
        let steps = std::mem::take(&mut self.steps);
        let ids: Vec<StepId> = steps.iter().map(|s| s.id.clone()).collect();
        let kinds: Vec<StepKind> = steps.iter().map(|s| s.kind).collect();
        // Reviews go in once every step is there: a merge may name a later step.
        let mut reviews = Vec::new();
        for (k, mut step) in steps.into_iter().enumerate() {
            if let Some(r) = step.review.take() {
                reviews.push((k, r));
            }
            map.add_step(step).map_err(|e| {
                let node = self.step_at.get(k).map_or(root, |&at| self.node(at));
                self.invalid(node, e)
            })?;
        }
        for (k, r) in reviews {
            map.set_step_field(&ids[k], StepField::Review(Some(r)))
                .map_err(|e| {
                    let node = self.step_at.get(k).map_or(root, |&at| self.node(at));
                    self.invalid(node, e)
                })?;
        }
        let foreign = root.attribute("exporter") != Some("valueflow");
        // Flows exported by valueflow carry their place in the map's order; others follow
        // in file order (work, messages, data, associations).
        let mut flows = std::mem::take(&mut self.flows);
        flows.sort_by_key(|f| f.index.unwrap_or(u64::MAX));
        // The builder's hash indexes keep a 40k-way split linear.
        let mut builder = MapBuilder::from_map(map);
        for f in flows {
            let flow = Flow {
                kind: f.kind,
                probability: f.probability,
                label: f.label,
            };
            // A probability on a flow from a step that is not a decision is a vf attribute
            // the mapping cannot honour: the kind decides, and the probability is dropped.
            let flow = if kinds[f.from] != StepKind::Decision {
                Flow {
                    probability: None,
                    ..flow
                }
            } else {
                flow
            };
            builder
                .connect(ids[f.from].as_str(), ids[f.to].as_str(), flow)
                .map_err(|e| self.invalid(root, e))?;
        }
        let mut map = builder.finish().map_err(|e| self.invalid(root, e))?;
        // With the flows in, so that an arrange (where the drawing cannot be used) has them.
        if foreign {
            fit_to_editor(&mut map).map_err(|e| self.invalid(root, e))?;
        }
        Ok(Imported {
            map,
            notes: self.notes,
        })
    }
}

/// Moves a foreign diagram's positions onto the editor's canvas: the whole drawing shifted so
/// it starts at the first row and column; spread out sideways where valueflow's boxes (larger
/// than BPMN's events and gateways) would overlap, or auto-arranged when a spread cannot help
/// (shapes stacked at one x); steps the diagram leaves out placed after the drawn ones in
/// their lane; then each lane's steps shifted down together where they reach above the lane's
/// band (`layout::fit_steps_to_lanes`). Relative placement within a lane is kept.
fn fit_to_editor(map: &mut Map) -> Result<(), MapError> {
    use crate::layout::{FIRST_LAYER_X, FIRST_ROW_OFFSET, LANE_MIN_HEIGHT, LAYER_WIDTH};
    let placed: Vec<(StepId, [f32; 2])> = map
        .steps()
        .filter_map(|s| s.pos.map(|p| (s.id.clone(), p)))
        .collect();
    if placed.is_empty() {
        // Nothing drawn: the document arranges the whole map.
        return Ok(());
    }
    let min_x = placed
        .iter()
        .map(|(_, p)| p[0])
        .fold(f32::INFINITY, f32::min);
    let min_y = placed
        .iter()
        .map(|(_, p)| p[1])
        .fold(f32::INFINITY, f32::min);
    let at = |[x, y]: [f32; 2]| [x - min_x + FIRST_LAYER_X, y - min_y + FIRST_ROW_OFFSET];
    let shifted: Vec<[f32; 2]> = placed.iter().map(|(_, p)| at(*p)).collect();
    let Some(spread) = horizontal_spread(&shifted) else {
        for (id, pos) in crate::layout::arrange(map) {
            map.move_step(&id, pos)?;
        }
        return Ok(());
    };
    let mut max_x = f32::MIN;
    for ((id, _), [x, y]) in placed.iter().zip(shifted) {
        let x = FIRST_LAYER_X + (x - FIRST_LAYER_X) * spread;
        max_x = max_x.max(x);
        map.move_step(id, [x, y])?;
    }
    // Steps without a shape: after the drawing, on their lane's first row.
    let mut lane_row: std::collections::HashMap<Option<LaneId>, f32> = Default::default();
    for s in map.steps().filter(|s| s.pos.is_some()) {
        let y = s.pos.map_or(0.0, |p| p[1]);
        let row = lane_row.entry(s.lane.clone()).or_insert(y);
        *row = row.min(y);
    }
    // Each with its lane's position (for a lane with no drawn step).
    let unplaced: Vec<(StepId, Option<LaneId>, usize)> = {
        let positions = map.lane_positions();
        map.steps()
            .filter(|s| s.pos.is_none())
            .map(|s| {
                let k = s.lane.as_ref().and_then(|l| positions.get(l).copied());
                (s.id.clone(), s.lane.clone(), k.unwrap_or(0))
            })
            .collect()
    };
    let mut next_x: std::collections::HashMap<Option<LaneId>, f32> = Default::default();
    for (id, lane, k) in unplaced {
        let y = lane_row
            .get(&lane)
            .copied()
            .unwrap_or(k as f32 * LANE_MIN_HEIGHT + FIRST_ROW_OFFSET);
        let x = next_x.entry(lane).or_insert(max_x);
        *x += LAYER_WIDTH;
        map.move_step(&id, [*x, y])?;
    }
    for (id, pos) in crate::layout::fit_steps_to_lanes(map, false) {
        map.move_step(&id, pos)?;
    }
    Ok(())
}

/// The factor (at least 1) by which x positions must be stretched so that no two of
/// valueflow's step boxes overlap, or `None` when stretching cannot do it (boxes stacked at
/// almost the same x, or so close that the drawing would become many times wider). Linear: a
/// grid of box-sized cells, each position checked against the cells around it.
fn horizontal_spread(positions: &[[f32; 2]]) -> Option<f32> {
    use crate::layout::{STEP_HEIGHT, STEP_WIDTH};
    const GAP: f32 = 24.0;
    const MAX_SPREAD: f32 = 4.0;
    let cell = |[x, y]: [f32; 2]| {
        (
            (x / STEP_WIDTH).floor() as i64,
            (y / STEP_HEIGHT).floor() as i64,
        )
    };
    let mut grid: std::collections::HashMap<(i64, i64), Vec<usize>> = Default::default();
    for (i, &p) in positions.iter().enumerate() {
        let members = grid.entry(cell(p)).or_default();
        members.push(i);
        // Two boxes in one cell overlap already; many mean a stack no spread can undo.
        if members.len() > 4 {
            return None;
        }
    }
    let mut spread = 1.0f32;
    for (i, &[x, y]) in positions.iter().enumerate() {
        let (cx, cy) = cell([x, y]);
        for gx in cx - 1..=cx + 1 {
            for gy in cy - 1..=cy + 1 {
                for &j in grid.get(&(gx, gy)).into_iter().flatten() {
                    let [ox, oy] = positions[j];
                    let (dx, dy) = ((x - ox).abs(), (y - oy).abs());
                    if j <= i || dx >= STEP_WIDTH || dy >= STEP_HEIGHT {
                        continue;
                    }
                    if dx < 1.0 {
                        return None;
                    }
                    spread = spread.max((STEP_WIDTH + GAP) / dx);
                }
            }
        }
    }
    (spread <= MAX_SPREAD).then_some(spread)
}

fn first_leaf<'a, 'i>(lane: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    let mut at = lane;
    loop {
        match lanes_of(at, "childLaneSet").next() {
            Some(c) => at = c,
            None => return Some(at),
        }
    }
}

/// `s.trim()`, without the Unicode scan for the usual reference that starts and ends with a
/// visible ASCII character (never whitespace).
fn trimmed(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// valueflow's attribute `vf:<name>` of an element: its local name compared first, so that
/// the namespace (a long URI) is compared only for the one attribute of that name.
fn vf_attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attributes()
        .find(|a| a.name() == name && a.namespace() == Some(VF_NS))
        .map(|a| a.value())
}

/// The BPMN children of an element with one local name: the name is compared first, so
/// that the namespace (a long URI) is compared only for the children of that name.
fn bpmn_named<'a, 'i>(n: Node<'a, 'i>, name: &str) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(move |c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == Some(BPMN_NS)
    })
}

/// The lanes of an element's lane sets (`laneSet` of a process, `childLaneSet` of a lane).
fn lanes_of<'a, 'i>(n: Node<'a, 'i>, set: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    bpmn_named(n, set).flat_map(|s| bpmn_named(s, "lane"))
}

fn has_timer(n: Node) -> bool {
    bpmn_named(n, "timerEventDefinition").next().is_some()
}

fn timer_duration(n: Node) -> Option<String> {
    bpmn_named(n, "timerEventDefinition")
        .flat_map(|t| bpmn_named(t, "timeDuration"))
        .next()
        .map(|c| c.text().unwrap_or_default().to_owned())
}

/// "exclusiveGateway" → "Exclusive gateway", the name of an unnamed step.
fn humanize(element: &str) -> String {
    let mut out = String::new();
    for (k, c) in element.chars().enumerate() {
        if k == 0 {
            out.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
