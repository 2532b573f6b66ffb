//! The open document: the map, its file, the undo/redo history and the revision counter.
//! Every change of the map is a [`Command`] executed here; undo keeps whole-map snapshots, so
//! it is exact whatever the command did (including the model's own side effects such as
//! rescaled probabilities). No egui: the editor and tests use it alike.

mod command;

pub use command::Command;

use crate::model::{Map, MapError};
use std::path::{Path, PathBuf};

/// A map as it was before an edit, with the edit's name.
#[derive(Debug, Clone)]
struct Snapshot {
    label: &'static str,
    map: Map,
    /// Which state of the document this map was (for the unsaved-changes marker).
    state: u64,
}

/// How many undo steps are kept at most; fewer for very large maps (see `undo_limit`).
const MAX_UNDO: usize = 200;

/// The open map and everything about it that is not view state. The map is private: it
/// changes only through `execute`, `undo` and `redo`, which keep the revision right.
#[derive(Debug, Clone)]
pub struct Document {
    map: Map,
    /// Where it was loaded from or last saved to.
    path: Option<PathBuf>,
    undo: Vec<Snapshot>,
    redo: Vec<Snapshot>,
    /// Increases with every change of the map (edit, undo, redo); starts where no other
    /// document's revisions are (see [`first_revision`]).
    revision: u64,
    /// Identifies the current state: a new edit makes a new state, undo and redo go back
    /// to earlier ones, so undoing to the saved state clears the unsaved marker.
    state: u64,
    next_state: u64,
    saved_state: u64,
}

impl Document {
    /// A document on a map as it is in its file. A map with unplaced steps (new or imported)
    /// is auto-arranged first; that is part of opening it, so it is neither an undo step nor
    /// an unsaved change.
    pub fn new(map: Map, path: Option<PathBuf>) -> Self {
        Self {
            map: arranged_if_unplaced(map),
            path,
            undo: Vec::new(),
            redo: Vec::new(),
            revision: first_revision(),
            state: 0,
            next_state: 1,
            saved_state: 0,
        }
    }

    /// A document that starts unsaved (imported, or restored from a recovery copy).
    pub fn new_dirty(map: Map, path: Option<PathBuf>) -> Self {
        let mut d = Self::new(map, path);
        d.saved_state = u64::MAX;
        d
    }

    /// The map as it is now.
    pub fn map(&self) -> &Map {
        &self.map
    }

    /// Where the map was loaded from or last saved to.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Increases with every change of the map (edit, undo, redo), never otherwise, and is
    /// never a revision of another document made in this process: whatever is cached by
    /// revision (the analysis, the canvas' view, the worksheet rows, the customer view, a
    /// comparison) is made again for a new document without being told.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Whether the map differs from the file (or was never saved).
    pub fn is_dirty(&self) -> bool {
        self.state != self.saved_state
    }

    /// Records that the current map is what the file at `path` holds.
    pub fn mark_saved(&mut self, path: PathBuf) {
        self.path = Some(path);
        self.saved_state = self.state;
    }

    /// Applies a command as one undo step. On error the map is unchanged and nothing is
    /// recorded; a command that changes nothing is not recorded either.
    pub fn execute(&mut self, command: Command) -> Result<(), MapError> {
        let label = command.label();
        let before = self.map.clone();
        match command.apply(&mut self.map) {
            Ok(()) => {
                if self.map == before {
                    return Ok(());
                }
                self.undo.push(Snapshot {
                    label,
                    map: before,
                    state: self.state,
                });
                self.state = self.next_state;
                self.next_state += 1;
                let limit = undo_limit(self.map.step_count());
                if self.undo.len() > limit {
                    let excess = self.undo.len() - limit;
                    self.undo.drain(..excess);
                }
                self.redo.clear();
                self.revision += 1;
                Ok(())
            }
            Err(e) => {
                self.map = before;
                Err(e)
            }
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// The name of the edit undo would take back.
    pub fn undo_label(&self) -> Option<&'static str> {
        self.undo.last().map(|s| s.label)
    }

    /// The name of the edit redo would do again.
    pub fn redo_label(&self) -> Option<&'static str> {
        self.redo.last().map(|s| s.label)
    }

    /// Takes back the last edit; false when there is none.
    pub fn undo(&mut self) -> bool {
        self.travel(true)
    }

    /// Does the last undone edit again; false when there is none.
    pub fn redo(&mut self) -> bool {
        self.travel(false)
    }

    /// Moves one step back (undo) or forward (redo) through the history: the map becomes the
    /// snapshot's, and the current map goes onto the other stack.
    fn travel(&mut self, back: bool) -> bool {
        let (from, to) = if back {
            (&mut self.undo, &mut self.redo)
        } else {
            (&mut self.redo, &mut self.undo)
        };
        let Some(s) = from.pop() else {
            return false;
        };
        let current = std::mem::replace(&mut self.map, s.map);
        to.push(Snapshot {
            label: s.label,
            map: current,
            state: std::mem::replace(&mut self.state, s.state),
        });
        self.revision += 1;
        true
    }
}

/// Each document's revisions start 2^32 above the last one's: room for four billion changes
/// before two documents could share a revision.
fn first_revision() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) << 32
}

/// Maps without positions (new or imported) are arranged when they are opened.
fn arranged_if_unplaced(map: Map) -> Map {
    if map.steps().all(|s| s.pos.is_some()) {
        // Positions from another tool (or an edited file) may put a step in the band of
        // another lane: the band a step is drawn in must be its lane, so its lane's steps
        // move down together into their own band (as after any edit).
        let moves = crate::layout::fit_steps_to_lanes(&map, false);
        if moves.is_empty() {
            return map;
        }
        let mut fitted = map.clone();
        return match moves
            .into_iter()
            .try_for_each(|(id, pos)| fitted.move_step(&id, pos).map(|_| ()))
        {
            Ok(()) => fitted,
            Err(_) => map,
        };
    }
    let mut arranged = map.clone();
    match Command::Arrange.apply(&mut arranged) {
        Ok(()) => arranged,
        // Arranging moves known steps to finite positions, so it does not fail; if it ever
        // did, the map opens as it is and the canvas places unplaced steps itself.
        Err(_) => map,
    }
}

/// Snapshots cost about a few hundred bytes per step: keep the history under ~250 MB.
fn undo_limit(steps: usize) -> usize {
    (250_000_000 / (steps.max(1) * 600)).clamp(10, MAX_UNDO)
}

#[cfg(test)]
mod tests;
