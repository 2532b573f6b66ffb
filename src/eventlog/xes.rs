//! The XES reader (IEEE 1849): quick-xml's pull parser over one reused buffer, local names
//! with or without the namespace, nested attributes skipped, `<global scope="event">`
//! defaults for `concept:name` and `lifecycle:transition`. Lines are counted only when an
//! error needs one (a second pass up to the failing byte).

use super::time::parse_timestamp_ms;
use super::{
    CountingReader, Event, EventLogError, Layout, NONE, Progress, RawLog, Transition, open,
    read_error,
};
use quick_xml::events::{BytesStart, Event as Xml};
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// How often (in events) the cancel flag is checked.
const CHECK_EVERY: u64 = 1 << 14;

/// The XES attribute elements (their children are nested attributes, skipped).
fn is_attribute(name: &[u8]) -> bool {
    matches!(
        name,
        b"string" | b"date" | b"int" | b"float" | b"boolean" | b"id" | b"list" | b"container"
    )
}

/// One event's attributes as read.
#[derive(Default)]
struct Pending {
    activity: Option<u32>,
    transition: Option<Transition>,
    time_ms: Option<i64>,
    resource: u32,
    role: u32,
    group: u32,
    instance: u32,
}

impl Pending {
    fn new() -> Self {
        Self {
            resource: NONE,
            role: NONE,
            group: NONE,
            instance: NONE,
            ..Self::default()
        }
    }
}

/// Where the reader is: the depth of the open `<log>`, `<trace>`, `<event>`, `<global>`.
#[derive(Default)]
struct State {
    depth: usize,
    log: Option<usize>,
    trace: Option<usize>,
    event: Option<usize>,
    global_event: Option<usize>,
    global_other: Option<usize>,
}

/// Instance ids of the current trace. They only pair events within a case, so each trace
/// numbers its own from a running base: the map stays as small as a trace (a global
/// interner of a million distinct ids was a tenth of the reading time).
#[derive(Default)]
struct TraceInstances {
    ids: foldhash::HashMap<Vec<u8>, u32>,
    base: u32,
}

impl TraceInstances {
    fn id(&mut self, raw: &[u8]) -> u32 {
        if let Some(&i) = self.ids.get(raw) {
            return i;
        }
        let i = self
            .base
            .saturating_add(self.ids.len() as u32)
            .min(NONE - 1);
        self.ids.insert(raw.to_vec(), i);
        i
    }

    /// A new trace: its ids start after the last trace's.
    fn next_trace(&mut self) {
        self.base = self.base.saturating_add(self.ids.len() as u32);
        self.ids.clear();
    }
}

/// A problem found at a byte offset of the (decompressed) stream; the line is counted later.
struct Problem {
    offset: u64,
    kind: ProblemKind,
}

enum ProblemKind {
    Message(String),
    Timestamp(String),
}

pub(crate) fn read(path: &Path, gz: bool, progress: &Progress) -> Result<RawLog, EventLogError> {
    let file = open(path, progress)?;
    let counted = CountingReader::new(file, progress);
    let result = if gz {
        parse(
            BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(counted)),
            progress,
        )
    } else {
        parse(BufReader::with_capacity(1 << 16, counted), progress)
    };
    match result {
        Ok(Some(log)) => Ok(log),
        Ok(None) => Err(EventLogError::NoEvents {
            file: path.display().to_string(),
        }),
        Err(Failure::Cancelled) => Err(EventLogError::Cancelled),
        Err(Failure::At(p)) => Err(locate(path, gz, p)),
    }
}

enum Failure {
    Cancelled,
    At(Problem),
}

/// Turns a problem's byte offset into a line by reading the file again up to it.
fn locate(path: &Path, gz: bool, p: Problem) -> EventLogError {
    let line = count_lines(path, gz, p.offset).unwrap_or(0);
    let file = path.display().to_string();
    match p.kind {
        ProblemKind::Message(message) => EventLogError::Xes {
            file,
            line,
            message,
        },
        ProblemKind::Timestamp(value) => EventLogError::Timestamp {
            file,
            at: super::Location::Line(line),
            column: "time:timestamp".into(),
            value,
        },
    }
}

fn count_lines(path: &Path, gz: bool, offset: u64) -> Result<u64, EventLogError> {
    let file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
    let mut reader: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut left = offset;
    let mut lines = 1u64;
    let mut buf = vec![0u8; 1 << 16];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = match reader.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        left -= n as u64;
    }
    Ok(lines)
}

/// Parses the stream; `Ok(None)` when it holds no usable event.
fn parse<R: BufRead>(input: R, progress: &Progress) -> Result<Option<RawLog>, Failure> {
    let mut reader = quick_xml::Reader::from_reader(input);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::with_capacity(1 << 12);
    let mut p = Parser::new();
    let mut closed = 0u64;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                return Err(Failure::At(Problem {
                    offset: reader.error_position(),
                    kind: ProblemKind::Message(xml_error(&e)),
                }));
            }
        };
        let done = match &event {
            Xml::Start(s) => p.open(s, false),
            Xml::Empty(s) => p.open(s, true),
            Xml::End(_) => {
                p.close();
                closed += 1;
                if closed.is_multiple_of(CHECK_EVERY) && progress.is_cancelled() {
                    return Err(Failure::Cancelled);
                }
                Ok(())
            }
            Xml::Text(t) => {
                p.saw_content |= !t.iter().all(u8::is_ascii_whitespace);
                Ok(())
            }
            Xml::Eof => break,
            _ => {
                p.saw_content = true;
                Ok(())
            }
        };
        done.map_err(|kind| {
            Failure::At(Problem {
                offset: reader.buffer_position(),
                kind,
            })
        })?;
        buf.clear();
    }
    p.finish().map_err(|kind| {
        Failure::At(Problem {
            offset: reader.buffer_position(),
            kind,
        })
    })
}

/// What a quick-xml error means for the user.
fn xml_error(e: &quick_xml::Error) -> String {
    match e {
        quick_xml::Error::Io(io) => format!("cannot read the file: {io} (truncated?)"),
        // Every syntax error but a bad `<!` is input that ended inside markup.
        quick_xml::Error::Syntax(s)
            if !matches!(s, quick_xml::errors::SyntaxError::InvalidBangMarkup) =>
        {
            format!("the file is truncated: {s}")
        }
        other => format!("malformed XML: {other}"),
    }
}

/// The reader's state between two pull events.
struct Parser {
    log: RawLog,
    st: State,
    default_activity: Option<u32>,
    default_transition: Option<Transition>,
    /// The current trace's events (their case is known at its end).
    trace_events: Vec<Event>,
    trace_name: Option<u32>,
    pending: Pending,
    instances: TraceInstances,
    without_time: u64,
    without_name: u64,
    traces: u64,
    /// Events seen (kept or skipped): the next event's position.
    pos: u64,
    saw_log: bool,
    /// Anything but whitespace: a file of nothing but whitespace is "no events".
    saw_content: bool,
}

impl Parser {
    fn new() -> Self {
        Self {
            log: RawLog::new(Layout::Xes),
            st: State::default(),
            default_activity: None,
            default_transition: None,
            trace_events: Vec::new(),
            trace_name: None,
            pending: Pending::new(),
            instances: TraceInstances::default(),
            without_time: 0,
            without_name: 0,
            traces: 0,
            pos: 0,
            saw_log: false,
            saw_content: false,
        }
    }

    /// An element opens (`empty`: and closes at once).
    fn open(&mut self, s: &BytesStart, empty: bool) -> Result<(), ProblemKind> {
        self.saw_content = true;
        let parent = self.st.depth;
        let local = s.local_name();
        let name = local.as_ref();
        if self.st.log.is_none() {
            if parent == 0 && name == b"log" {
                self.saw_log = true;
                if !empty {
                    self.st.log = Some(1);
                }
            } else if parent == 0 {
                return Err(ProblemKind::Message(format!(
                    "not an XES log: the root element is <{}>, not <log>",
                    String::from_utf8_lossy(name)
                )));
            }
        } else if self.st.event == Some(parent) && is_attribute(name) {
            event_attribute(s, &mut self.pending, &mut self.log, &mut self.instances)?;
        } else if self.st.trace == Some(parent) && self.st.event.is_none() {
            self.open_in_trace(s, name, empty, parent);
        } else if self.st.global_event == Some(parent) && is_attribute(name) {
            if let Some((key, value)) = key_value(s) {
                match key.as_ref() {
                    b"concept:name" => {
                        self.default_activity = Some(self.log.activities.intern_bytes(&value));
                    }
                    b"lifecycle:transition" => {
                        self.default_transition = Some(Transition::parse(&value));
                    }
                    _ => {}
                }
            }
        } else if self.st.log == Some(parent) && self.st.trace.is_none() {
            self.open_in_log(s, name, empty, parent);
        }
        if !empty {
            self.st.depth += 1;
        }
        Ok(())
    }

    /// A child of `<trace>`: an event, or the trace's own attribute.
    fn open_in_trace(&mut self, s: &BytesStart, name: &[u8], empty: bool, parent: usize) {
        if name == b"event" {
            self.pending = Pending::new();
            if empty {
                self.finish_event();
            } else {
                self.st.event = Some(parent + 1);
            }
        } else if is_attribute(name)
            && let Some((key, value)) = key_value(s)
            && key.as_ref() == b"concept:name"
        {
            self.trace_name = Some(self.log.cases.intern_bytes(&value));
        }
    }

    /// A child of `<log>`: a trace, a global, or the log's own attribute.
    fn open_in_log(&mut self, s: &BytesStart, name: &[u8], empty: bool, parent: usize) {
        match name {
            b"trace" => {
                self.trace_events.clear();
                self.instances.next_trace();
                self.trace_name = None;
                if empty {
                    self.traces += 1;
                } else {
                    self.st.trace = Some(parent + 1);
                }
            }
            b"global" if !empty => {
                let scope = attr(s, b"scope");
                if scope.as_deref().is_some_and(|v| v == b"event") {
                    self.st.global_event = Some(parent + 1);
                } else {
                    self.st.global_other = Some(parent + 1);
                }
            }
            _ if is_attribute(name) => {
                if let Some((key, value)) = key_value(s)
                    && key.as_ref() == b"concept:name"
                {
                    self.log.name = Some(String::from_utf8_lossy(&value).into_owned());
                }
            }
            _ => {}
        }
    }

    /// The innermost open element closes.
    fn close(&mut self) {
        let st = &mut self.st;
        let closing = st.depth;
        st.depth = st.depth.saturating_sub(1);
        if st.event == Some(closing) {
            st.event = None;
            self.finish_event();
        } else if st.trace == Some(closing) {
            st.trace = None;
            self.finish_trace();
        } else if st.global_event == Some(closing) {
            st.global_event = None;
        } else if st.global_other == Some(closing) {
            st.global_other = None;
        } else if st.log == Some(closing) {
            st.log = None;
        }
    }

    /// Ends an event: skipped without a timestamp or a name, else kept for its trace.
    fn finish_event(&mut self) {
        self.pos += 1;
        let p = &self.pending;
        let Some(time_ms) = p.time_ms else {
            self.without_time += 1;
            return;
        };
        let Some(activity) = p.activity.or(self.default_activity) else {
            self.without_name += 1;
            return;
        };
        self.log.saw_time(time_ms);
        self.trace_events.push(Event {
            case: NONE,
            activity,
            instance: p.instance,
            resource: p.resource,
            role: if p.role != NONE { p.role } else { p.group },
            transition: p
                .transition
                .or(self.default_transition)
                .unwrap_or(Transition::Complete),
            time_ms,
            pos: self.pos - 1,
        });
    }

    /// Ends a trace: its events join the log under its case (a trace without a name is a
    /// case of its own).
    fn finish_trace(&mut self) {
        self.traces += 1;
        let case = match self.trace_name.take() {
            Some(c) => c,
            None => self
                .log
                .cases
                .fresh(format!("(trace {} without a name)", self.traces)),
        };
        for mut e in self.trace_events.drain(..) {
            e.case = case;
            self.log.events.push(e);
        }
    }

    /// The end of the input: a truncated file or one without a `<log>` is an error; the
    /// skipped events become warnings.
    fn finish(mut self) -> Result<Option<RawLog>, ProblemKind> {
        let st = &self.st;
        if st.depth > 0 {
            let inside = if st.event.is_some() {
                "an <event>"
            } else if st.trace.is_some() {
                "a <trace>"
            } else {
                "the <log>"
            };
            return Err(ProblemKind::Message(format!(
                "the file is truncated: it ends inside {inside}"
            )));
        }
        if !self.saw_log {
            if !self.saw_content {
                return Ok(None);
            }
            return Err(ProblemKind::Message(
                "not an XES log: no <log> element".to_owned(),
            ));
        }
        let log = &mut self.log;
        if self.without_time > 0 {
            log.warnings.push(format!(
                "{} event{} without a time:timestamp skipped",
                self.without_time,
                plural(self.without_time)
            ));
        }
        if self.without_name > 0 {
            log.warnings.push(format!(
                "{} event{} without a concept:name (and no global default) skipped",
                self.without_name,
                plural(self.without_name)
            ));
        }
        log.event_count = self.pos;
        if log.events.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.log))
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn event_attribute(
    s: &BytesStart,
    p: &mut Pending,
    log: &mut RawLog,
    instances: &mut TraceInstances,
) -> Result<(), ProblemKind> {
    let Some((key, value)) = key_value(s) else {
        return Ok(());
    };
    match key.as_ref() {
        b"concept:name" => p.activity = Some(log.activities.intern_bytes(&value)),
        b"time:timestamp" => match parse_timestamp_ms(&value) {
            Some(t) => p.time_ms = Some(t),
            None => {
                return Err(ProblemKind::Timestamp(
                    String::from_utf8_lossy(&value).into_owned(),
                ));
            }
        },
        b"lifecycle:transition" => p.transition = Some(Transition::parse(&value)),
        b"org:resource" => p.resource = log.values.intern_bytes(&value),
        b"org:role" => p.role = log.values.intern_bytes(&value),
        b"org:group" => p.group = log.values.intern_bytes(&value),
        b"concept:instance" => p.instance = instances.id(&value),
        _ => {}
    }
    Ok(())
}

/// An attribute element's key and value.
type KeyValue<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// The `key` and (unescaped) `value` attributes of an attribute element: read straight from
/// its raw attribute bytes (XES writes `key="…" value="…"`, and quick-xml's general attribute
/// iterator was the largest single cost of reading a big log); anything unusual goes through
/// quick-xml.
fn key_value<'a>(s: &'a BytesStart) -> Option<KeyValue<'a>> {
    fast_key_value(s.attributes_raw()).or_else(|| {
        let mut key = None;
        let mut value = None;
        for a in s.attributes().with_checks(false).flatten() {
            match a.key.local_name().as_ref() {
                b"key" => key = Some(unescape(a.value)),
                b"value" => value = Some(unescape(a.value)),
                _ => {}
            }
        }
        Some((key?, value?))
    })
}

/// `name="v"` / `name='v'` pairs separated by whitespace; `None` for anything else (or when
/// `key` or `value` is missing).
fn fast_key_value(raw: &[u8]) -> Option<KeyValue<'_>> {
    let mut rest = raw;
    let (mut key, mut value) = (None, None);
    while key.is_none() || value.is_none() {
        rest = rest.trim_ascii_start();
        // Plain loops: the strings are short, where memchr's setup costs more than it saves.
        let eq = rest.iter().position(|&b| b == b'=')?;
        let name = rest[..eq].trim_ascii_end();
        if name.is_empty()
            || name
                .iter()
                .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\''))
        {
            return None;
        }
        rest = rest[eq + 1..].trim_ascii_start();
        let quote = *rest.first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let end = rest[1..].iter().position(|&b| b == quote)?;
        let v = &rest[1..1 + end];
        rest = &rest[end + 2..];
        let local = name
            .iter()
            .rposition(|&b| b == b':')
            .map_or(name, |i| &name[i + 1..]);
        match local {
            b"key" => key = Some(unescape(Cow::Borrowed(v))),
            b"value" => value = Some(unescape(Cow::Borrowed(v))),
            _ => {}
        }
    }
    Some((key?, value?))
}

fn attr<'a>(s: &'a BytesStart, name: &[u8]) -> Option<Cow<'a, [u8]>> {
    s.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| unescape(a.value))
}

/// Unescapes `&amp;` and friends only when the value has an `&`.
fn unescape(raw: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    if !raw.contains(&b'&') {
        return raw;
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    match quick_xml::escape::unescape(&text) {
        Ok(u) => Cow::Owned(u.into_owned().into_bytes()),
        Err(_) => Cow::Owned(text.into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Owned = Option<(Vec<u8>, Vec<u8>)>;

    /// (our reading, quick-xml's reading) of an element's key and value.
    fn both(element: &str) -> (Owned, Owned) {
        let mut reader = quick_xml::Reader::from_str(element);
        let Ok(Xml::Empty(s)) = reader.read_event() else {
            panic!("not an empty element: {element}");
        };
        let own = |kv: Option<KeyValue>| kv.map(|(k, v)| (k.into_owned(), v.into_owned()));
        let mut key = None;
        let mut value = None;
        for a in s.attributes().flatten() {
            match a.key.local_name().as_ref() {
                b"key" => key = Some(unescape(a.value).into_owned()),
                b"value" => value = Some(unescape(a.value).into_owned()),
                _ => {}
            }
        }
        (own(key_value(&s)), key.zip(value))
    }

    /// The fast attribute reader agrees with quick-xml's on every shape.
    #[test]
    fn key_value_agrees_with_quick_xml() {
        for e in [
            r#"<string key="concept:name" value="A"/>"#,
            r#"<string value="A" key="concept:name"/>"#,
            r#"<string  key = 'k'  value = "a 'quoted' &amp; b" />"#,
            "<string\n\tkey=\"k\"\n\tvalue=\"\"/>",
            r#"<string xes:key="k" xmlns:xes="x" value="v"/>"#,
            r#"<string id="1" key="k" value="v"/>"#,
            r#"<string key="k"/>"#,
            r#"<string value="v"/>"#,
            r#"<string/>"#,
        ] {
            let (fast, slow) = both(e);
            assert_eq!(fast, slow, "{e}");
        }
        assert_eq!(
            fast_key_value(b" key=k value=\"v\""),
            None,
            "unquoted: left to quick-xml"
        );
    }
}
