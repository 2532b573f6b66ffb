//! The streamed load: the file parsed on one thread while a second one builds the map from
//! the lanes, steps and flows parsed so far. It only ever succeeds; whatever is wrong with a
//! file, the one-piece load reads it again to name the problem.

use super::{Loader, RawDerivedFrom, RawFlow, RawLane, RawScorecard, StepEntry, add_flow};
use super::{lane_from, present};
use crate::model::{DerivedFrom, MAX_FLOWS, MAX_STEPS, Map, MapBuilder};
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Elements sent to the builder at a time: large enough that sending costs nothing, small
/// enough that the builder starts early.
const CHUNK: usize = 1024;

/// What the parser hands the builder, in file order.
enum Part<'a> {
    /// All the lanes (they are few; the steps need all of them).
    Lanes(Vec<RawLane>),
    Steps(Vec<StepEntry>),
    /// The steps array has ended.
    StepsDone,
    Flows(Vec<RawFlow<'a>>),
}

/// The top level of the file but for its lanes, steps and flows (which went to the builder).
struct Header<'a> {
    format: &'a RawValue,
    version: &'a RawValue,
    name: Option<String>,
    description: Option<String>,
    scorecard: Option<Option<RawScorecard>>,
    derived_from: Option<Option<RawDerivedFrom>>,
}

/// Loads the file with the build on a second thread; `None` when anything is wrong (or a
/// thread could not be started), for the one-piece load to say what.
pub(super) fn load(loader: &Loader<'_>) -> Option<Map> {
    let text = loader.text;
    let (parts, received) = channel();
    let (header, (mut map, uses_v2)) = std::thread::scope(|s| {
        let builder = std::thread::Builder::new()
            .spawn_scoped(s, move || build(received))
            .ok()?;
        let mut de = serde_json::Deserializer::from_str(text);
        let header = de
            .deserialize_map(FileVisitor { parts: &parts })
            .and_then(|h| de.end().map(|()| h));
        // The builder finishes once the sender is gone.
        drop(parts);
        let built = builder.join().ok().flatten();
        Some((header.ok()?, built?))
    })?;
    let version = loader
        .check_header(Some(header.format), Some(header.version))
        .ok()?;
    if version < 2 && (header.scorecard.is_some() || header.derived_from.is_some() || uses_v2) {
        return None;
    }
    map.read_version = version;
    if let Some(card) = header.scorecard.flatten() {
        map.scorecard = loader.scorecard(card).ok()?;
    }
    if let Some(from) = header.derived_from.flatten() {
        map.derived_from = Some(DerivedFrom {
            name: from.name,
            file: from.file,
        });
    }
    map.name = header.name.unwrap_or_default();
    map.description = header.description.unwrap_or_default();
    Some(map)
}

/// Reads the top-level object as `TypedFile` does (the same fields, each at most once, no
/// others, `format` and `version` required), sending the sections to the builder.
struct FileVisitor<'s, 'a> {
    parts: &'s Sender<Part<'a>>,
}

const KEYS: [&str; 9] = [
    "format",
    "version",
    "name",
    "description",
    "lanes",
    "steps",
    "flows",
    "scorecard",
    "derived_from",
];

impl<'a> Visitor<'a> for FileVisitor<'_, 'a> {
    type Value = Header<'a>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a map file")
    }

    fn visit_map<M: MapAccess<'a>>(self, mut m: M) -> Result<Header<'a>, M::Error> {
        let mut seen = [false; KEYS.len()];
        let (mut format, mut version, mut name, mut description) = (None, None, None, None);
        let (mut scorecard, mut derived_from) = (None, None);
        let send = |part: Part<'a>| {
            self.parts
                .send(part)
                .map_err(|_| M::Error::custom("the builder stopped"))
        };
        while let Some(key) = m.next_key::<String>()? {
            let Some(k) = KEYS.iter().position(|&known| known == key) else {
                return Err(M::Error::unknown_field(&key, &KEYS));
            };
            if std::mem::replace(&mut seen[k], true) {
                return Err(M::Error::duplicate_field(KEYS[k]));
            }
            match k {
                0 => format = Some(m.next_value()?),
                1 => version = Some(m.next_value()?),
                2 => name = m.next_value()?,
                3 => description = m.next_value()?,
                4 => {
                    let lanes = m.next_value_seed(Section::<_, MAX_STEPS>::new(
                        usize::MAX,
                        self.parts,
                        Part::Lanes,
                    ))?;
                    send(Part::Lanes(lanes))?;
                }
                5 => {
                    let rest = m.next_value_seed(Section::<_, MAX_STEPS>::new(
                        CHUNK,
                        self.parts,
                        Part::Steps,
                    ))?;
                    send(Part::Steps(rest))?;
                    send(Part::StepsDone)?;
                }
                6 => {
                    let rest = m.next_value_seed(Section::<_, MAX_FLOWS>::new(
                        CHUNK,
                        self.parts,
                        Part::Flows,
                    ))?;
                    send(Part::Flows(rest))?;
                }
                7 => scorecard = m.next_value_seed(Present::default())?,
                _ => derived_from = m.next_value_seed(Present::default())?,
            }
        }
        Ok(Header {
            format: format.ok_or_else(|| M::Error::missing_field("format"))?,
            version: version.ok_or_else(|| M::Error::missing_field("version"))?,
            name,
            description,
            scorecard,
            derived_from,
        })
    }
}

/// A field read as `present` reads it (`null` is `Some(None)`).
struct Present<T>(std::marker::PhantomData<T>);

impl<T> Default for Present<T> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Present<T> {
    type Value = Option<Option<T>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        present(d)
    }
}

/// One section (`null` or an array of at most `LIMIT` elements, as `Bounded` reads it), sent
/// on in chunks of `chunk` elements; the value is the last, partial chunk.
struct Section<'s, 'a, T, const LIMIT: usize> {
    chunk: usize,
    parts: &'s Sender<Part<'a>>,
    wrap: fn(Vec<T>) -> Part<'a>,
}

impl<'s, 'a, T, const LIMIT: usize> Section<'s, 'a, T, LIMIT> {
    fn new(chunk: usize, parts: &'s Sender<Part<'a>>, wrap: fn(Vec<T>) -> Part<'a>) -> Self {
        Self { chunk, parts, wrap }
    }
}

impl<'a, T: Deserialize<'a>, const LIMIT: usize> DeserializeSeed<'a> for Section<'_, 'a, T, LIMIT> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'a, T: Deserialize<'a>, const LIMIT: usize> Visitor<'a> for Section<'_, 'a, T, LIMIT> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a list of at most {LIMIT} elements")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'a>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<S: SeqAccess<'a>>(self, mut seq: S) -> Result<Vec<T>, S::Error> {
        let mut count = 0usize;
        let mut elements = Vec::with_capacity(self.chunk.min(CHUNK));
        while let Some(element) = seq.next_element()? {
            if count == LIMIT {
                return Err(S::Error::custom("too many elements"));
            }
            count += 1;
            elements.push(element);
            if elements.len() == self.chunk {
                let full = std::mem::replace(&mut elements, Vec::with_capacity(self.chunk));
                self.parts
                    .send((self.wrap)(full))
                    .map_err(|_| S::Error::custom("the builder stopped"))?;
            }
        }
        Ok(elements)
    }
}

/// The builder's side: lanes first, then steps, then flows, whatever order the file has
/// them in (what comes early waits). `None` at the first problem (and the parser stops as
/// its next send fails); else the map, its decisions checked, and whether it uses a format
/// version 2 field (a customer lane, a step's review).
fn build(parts: Receiver<Part<'_>>) -> Option<(Map, bool)> {
    let mut b = StreamBuilder::default();
    for part in parts {
        b.take(part)?;
    }
    // The sections the file does not have are empty.
    b.take(Part::Lanes(Vec::new()))?;
    b.take(Part::StepsDone)?;
    let uses_v2 = b.uses_v2;
    Some((b.map.finish().ok()?, uses_v2))
}

#[derive(Default)]
struct StreamBuilder<'a> {
    map: MapBuilder,
    lanes_added: bool,
    steps_done: bool,
    waiting_steps: Vec<Vec<StepEntry>>,
    waiting_flows: Vec<Vec<RawFlow<'a>>>,
    uses_v2: bool,
}

impl<'a> StreamBuilder<'a> {
    fn take(&mut self, part: Part<'a>) -> Option<()> {
        match part {
            Part::Lanes(_) if self.lanes_added => {}
            Part::Lanes(lanes) => {
                for lane in lanes {
                    self.uses_v2 |= lane.customer.is_some();
                    self.map.add_lane(lane_from(lane)).ok()?;
                }
                self.lanes_added = true;
                for steps in std::mem::take(&mut self.waiting_steps) {
                    self.add_steps(steps)?;
                }
                self.add_waiting_flows()?;
            }
            Part::Steps(steps) if self.lanes_added => self.add_steps(steps)?,
            Part::Steps(steps) => self.waiting_steps.push(steps),
            Part::StepsDone => {
                self.steps_done = true;
                self.add_waiting_flows()?;
            }
            Part::Flows(flows) if self.lanes_added && self.steps_done => self.add_flows(flows)?,
            Part::Flows(flows) => self.waiting_flows.push(flows),
        }
        Some(())
    }

    fn add_steps(&mut self, steps: Vec<StepEntry>) -> Option<()> {
        for StepEntry(step, has_review) in steps {
            self.uses_v2 |= has_review;
            self.map.add_step(step.ok()?).ok()?;
        }
        Some(())
    }

    fn add_waiting_flows(&mut self) -> Option<()> {
        if self.lanes_added && self.steps_done {
            for flows in std::mem::take(&mut self.waiting_flows) {
                self.add_flows(flows)?;
            }
        }
        Some(())
    }

    fn add_flows(&mut self, flows: Vec<RawFlow<'a>>) -> Option<()> {
        for f in flows {
            add_flow(&mut self.map, f).ok()?;
        }
        Some(())
    }
}
