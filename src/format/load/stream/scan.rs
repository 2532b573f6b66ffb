//! The streamed load's reader: the top level, the steps and the flows read byte by byte
//! (the bulk of every map file, and where serde's generic struct visitors spent most of the
//! load), the rest of the file cut out as raw slices and handed to serde_json as the typed
//! structs of the one-piece load.
//!
//! It reads what `TypedFile` reads, and nothing else: whenever it is unsure (an escaped, an
//! unknown or a repeated key, a wrong type, a missing required field, a malformed token, too
//! many elements) it gives up with `None`, and the one-piece load reads the file again to
//! accept it or to name its problem. A file it accepts, the one-piece load reads the same
//! way (`format::tests::streamed` checks that on valid, mutated and respelled files).

use super::{CHUNK, Header, Part};
use crate::format::load::{
    Bounded, RawDerivedFrom, RawFlow, RawLane, RawReview, RawScorecard, RawStep, StepEntry,
};
use crate::model::{MAX_FLOWS, MAX_STEPS};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::sync::mpsc::Sender;

/// Reads the file, sending its lanes, steps and flows to the builder as they are read; the
/// rest of the top level is the value.
pub(super) fn file<'a>(text: &'a str, parts: &Sender<Part<'a>>) -> Option<Header<'a>> {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut seen = Seen::default();
    let (mut format, mut version) = (None, None);
    let (mut name, mut description) = (None, None);
    let (mut scorecard, mut derived_from) = (None, None);
    s.ws();
    s.object(|s, key| {
        let field = match key {
            b"format" => 0,
            b"version" => 1,
            b"name" => 2,
            b"description" => 3,
            b"lanes" => 4,
            b"steps" => 5,
            b"flows" => 6,
            b"scorecard" => 7,
            b"derived_from" => 8,
            _ => return None,
        };
        seen.first(field)?;
        match field {
            0 => format = Some(s.typed::<&'a RawValue>()?),
            1 => version = Some(s.typed::<&'a RawValue>()?),
            2 => name = s.nullable(Scanner::owned)?,
            3 => description = s.nullable(Scanner::owned)?,
            4 => {
                let lanes = s.typed::<Option<Bounded<RawLane, MAX_STEPS>>>()?;
                let lanes = lanes.map(|b| b.0).unwrap_or_default();
                parts.send(Part::Lanes(lanes)).ok()?;
            }
            5 => {
                s.section(MAX_STEPS, parts, Part::Steps, Scanner::step)?;
                parts.send(Part::StepsDone).ok()?;
            }
            6 => s.section(MAX_FLOWS, parts, Part::Flows, Scanner::flow)?,
            7 => scorecard = Some(s.typed::<Option<RawScorecard>>()?),
            _ => derived_from = Some(s.typed::<Option<RawDerivedFrom>>()?),
        }
        Some(())
    })?;
    s.ws();
    if s.at != s.bytes.len() {
        return None;
    }
    Some(Header {
        format: format?,
        version: version?,
        name,
        description,
        scorecard,
        derived_from,
    })
}

/// The keys an object has had so far (by their index in its own key list).
#[derive(Default)]
struct Seen(u32);

impl Seen {
    /// `None` when the key has been seen before.
    fn first(&mut self, field: u32) -> Option<()> {
        let bit = 1 << field;
        if self.0 & bit != 0 {
            return None;
        }
        self.0 |= bit;
        Some(())
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// The next byte to read.
    at: usize,
}

/// Powers of ten that are exact in an `f64` (up to 10^22, as Clinger's fast path needs).
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

impl<'a> Scanner<'a> {
    /// Skips JSON whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// Reads `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        let next = self.bytes.get(self.at) == Some(&byte);
        self.at += usize::from(next);
        next
    }

    /// Reads a `null` if one is next.
    fn null(&mut self) -> bool {
        let next = self
            .bytes
            .get(self.at..)
            .is_some_and(|r| r.starts_with(b"null"));
        self.at += if next { 4 } else { 0 };
        next
    }

    /// `null` as `None`, else the value `read` reads.
    fn nullable<T>(&mut self, read: fn(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.null() {
            Some(None)
        } else {
            read(self).map(Some)
        }
    }

    /// An object, each member's value read by `member` from the key (not escaped: a key
    /// with an escape gives up). Starts at the `{`; every value starts after whitespace.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        if !self.eat(b'{') {
            return None;
        }
        self.ws();
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let key = self.key()?;
            member(self, key)?;
            self.ws();
            if self.eat(b'}') {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
            self.ws();
        }
    }

    /// A key, its colon and the whitespace after it.
    fn key(&mut self) -> Option<&'a [u8]> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.at;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => break,
                b'\\' => return None,
                c if c < 0x20 => return None,
                _ => self.at += 1,
            }
        }
        let key = &self.bytes[start..self.at];
        self.at += 1;
        self.ws();
        if !self.eat(b':') {
            return None;
        }
        self.ws();
        Some(key)
    }

    /// Moves past a string that starts here; whether it has an escape.
    fn skip_string(&mut self) -> Option<bool> {
        if !self.eat(b'"') {
            return None;
        }
        let mut escaped = false;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => break,
                // The escaped byte is never the end of the string; serde_json checks the
                // escape itself.
                b'\\' => {
                    escaped = true;
                    self.at += 2;
                }
                // JSON allows no raw control characters in a string.
                c if c < 0x20 => return None,
                _ => self.at += 1,
            }
        }
        self.at += 1;
        Some(escaped)
    }

    /// A string, borrowed from the file when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let start = self.at;
        let escaped = self.skip_string()?;
        let quoted = &self.text[start..self.at];
        if escaped {
            serde_json::from_str::<String>(quoted).ok().map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(&quoted[1..quoted.len() - 1]))
        }
    }

    fn owned(&mut self) -> Option<String> {
        self.string().map(Cow::into_owned)
    }

    /// A number as serde_json reads it into an `f64`: the common short ones exactly here
    /// (an integer or a decimal of at most 15 digits is exact in an `f64`, and so is its
    /// quotient by a power of ten correctly rounded), the rest by serde_json itself.
    fn number(&mut self) -> Option<f64> {
        let start = self.at;
        let negative = self.eat(b'-');
        let mut mantissa = 0u64;
        let mut digits = 0usize;
        let mut decimals = 0usize;
        let mut simple = true;
        match self.bytes.get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => digits = self.digits(&mut mantissa),
            _ => return None,
        }
        if self.eat(b'.') {
            decimals = self.digits(&mut mantissa);
            if decimals == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if self.digits(&mut 0) == 0 {
                return None;
            }
            simple = false;
        }
        // Leading zeros of the fraction count as digits here, which only makes the fast
        // path a little narrower.
        if simple && digits + decimals < POW10.len() {
            let magnitude = mantissa as f64 / POW10[decimals];
            return Some(if negative { -magnitude } else { magnitude });
        }
        serde_json::from_str::<f64>(&self.text[start..self.at]).ok()
    }

    /// Reads decimal digits into `value` (wrapping: the caller only uses it when there were
    /// few); how many.
    fn digits(&mut self, value: &mut u64) -> usize {
        let start = self.at;
        while let Some(&d @ b'0'..=b'9') = self.bytes.get(self.at) {
            *value = value.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            self.at += 1;
        }
        self.at - start
    }

    /// A position: an array of exactly two numbers.
    fn pair(&mut self) -> Option<[f64; 2]> {
        if !self.eat(b'[') {
            return None;
        }
        self.ws();
        let x = self.number()?;
        self.ws();
        if !self.eat(b',') {
            return None;
        }
        self.ws();
        let y = self.number()?;
        self.ws();
        self.eat(b']').then_some([x, y])
    }

    /// Moves past any value, without checking more than where it ends; its text.
    fn skip_value(&mut self) -> Option<&'a str> {
        let start = self.at;
        match *self.bytes.get(start)? {
            b'"' => {
                self.skip_string()?;
            }
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match *self.bytes.get(self.at)? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while let Some(c) = self.bytes.get(self.at) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.at += 1;
                }
            }
        }
        Some(&self.text[start..self.at])
    }

    /// Any value read by serde_json as `T` (which must take all of it).
    fn typed<T: Deserialize<'a>>(&mut self) -> Option<T> {
        serde_json::from_str(self.skip_value()?).ok()
    }

    /// A section: `null`, or an array of at most `limit` elements read by `element` and
    /// sent on in chunks.
    fn section<T>(
        &mut self,
        limit: usize,
        parts: &Sender<Part<'a>>,
        wrap: fn(Vec<T>) -> Part<'a>,
        element: fn(&mut Self) -> Option<T>,
    ) -> Option<()> {
        if self.null() {
            return Some(());
        }
        if !self.eat(b'[') {
            return None;
        }
        let mut count = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        self.ws();
        if !self.eat(b']') {
            loop {
                if count == limit {
                    return None;
                }
                count += 1;
                chunk.push(element(self)?);
                if chunk.len() == CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    parts.send(wrap(full)).ok()?;
                }
                self.ws();
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
                self.ws();
            }
        }
        parts.send(wrap(chunk)).ok()
    }

    /// A step, as `RawStep` reads it, converted.
    fn step(&mut self) -> Option<StepEntry> {
        let mut seen = Seen::default();
        let (mut id, mut name, mut lane, mut kind, mut touchpoint) = (None, None, None, None, None);
        let (mut work_mins, mut wait_mins, mut value) = (None, None, None);
        let (mut benefit, mut system, mut notes) = (None, None, None);
        let (mut pos, mut review) = (None, None);
        self.object(|s, key| {
            let field = match key {
                b"id" => 0,
                b"name" => 1,
                b"lane" => 2,
                b"kind" => 3,
                b"touchpoint" => 4,
                b"work_mins" => 5,
                b"wait_mins" => 6,
                b"value" => 7,
                b"benefit" => 8,
                b"system" => 9,
                b"notes" => 10,
                b"pos" => 11,
                b"review" => 12,
                _ => return None,
            };
            seen.first(field)?;
            match field {
                0 => id = Some(s.string()?),
                1 => name = s.nullable(Self::owned)?,
                2 => lane = s.nullable(Self::string)?,
                3 => kind = Some(s.string()?),
                4 => touchpoint = s.nullable(Self::string)?,
                5 => work_mins = s.nullable(Self::number)?,
                6 => wait_mins = s.nullable(Self::number)?,
                7 => value = s.nullable(Self::string)?,
                8 => benefit = s.nullable(Self::owned)?,
                9 => system = s.nullable(Self::owned)?,
                10 => notes = s.nullable(Self::owned)?,
                11 => pos = s.nullable(Self::pair)?,
                _ => review = Some(s.typed::<Option<RawReview>>()?),
            }
            Some(())
        })?;
        Some(StepEntry::from_raw(RawStep {
            id: id?,
            name,
            lane,
            kind: kind?,
            touchpoint,
            work_mins,
            wait_mins,
            value,
            benefit,
            system,
            notes,
            pos,
            review,
        }))
    }

    /// A flow, as `RawFlow` reads it.
    fn flow(&mut self) -> Option<RawFlow<'a>> {
        let mut seen = Seen::default();
        let (mut from, mut to, mut kind, mut probability, mut label) =
            (None, None, None, None, None);
        self.object(|s, key| {
            let field = match key {
                b"from" => 0,
                b"to" => 1,
                b"kind" => 2,
                b"probability" => 3,
                b"label" => 4,
                _ => return None,
            };
            seen.first(field)?;
            match field {
                0 => from = Some(s.string()?),
                1 => to = Some(s.string()?),
                2 => kind = s.nullable(Self::string)?,
                3 => probability = s.nullable(Self::number)?,
                _ => label = s.nullable(Self::owned)?,
            }
            Some(())
        })?;
        Some(RawFlow {
            from: from?,
            to: to?,
            kind,
            probability,
            label,
        })
    }
}
