//! The crash-recovery copies: every running editor keeps its unsaved work in a slot of its
//! own under the recovery folder (`<root>/<slot>/`), and holds an exclusive lock on the slot's
//! `lock` file for as long as it runs. The operating system drops the lock when the process
//! ends, however it ends, so:
//!
//! - a slot whose lock can be taken belongs to an editor that is gone: its copy is offered
//!   back (to one editor only: the one that takes the lock keeps it until the user decides);
//! - a slot whose lock is held belongs to a running editor: it is never listed, read or
//!   deleted by another one.

use crate::format::{load_file, save_file};
use crate::model::Map;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

const MAP_FILE: &str = "recovery.vfmap.json";
const ORIGIN_FILE: &str = "recovery-origin.txt";
const LOCK_FILE: &str = "lock";

/// A recovery copy found at start-up.
#[derive(Debug, Clone)]
pub struct Recovered {
    pub map: Map,
    pub original: Option<PathBuf>,
    pub saved_at: Option<SystemTime>,
}

/// A slot directory with its lock held by us.
#[derive(Debug)]
struct Slot {
    dir: PathBuf,
    /// Held open (and locked) for as long as the slot is ours.
    _lock: File,
}

impl Slot {
    /// Takes the lock of the slot in `dir` (creating both), or says who holds it.
    fn take(dir: &Path) -> Result<Self, SlotError> {
        std::fs::create_dir_all(dir).map_err(SlotError::Io)?;
        let lock = super::files::open_lock_file(&dir.join(LOCK_FILE)).map_err(SlotError::Io)?;
        match lock.try_lock() {
            Ok(()) => Ok(Self {
                dir: dir.to_owned(),
                _lock: lock,
            }),
            Err(TryLockError::WouldBlock) => Err(SlotError::Held),
            Err(TryLockError::Error(e)) => Err(SlotError::Io(e)),
        }
    }

    fn map_path(&self) -> PathBuf {
        self.dir.join(MAP_FILE)
    }

    fn read(&self) -> Option<Recovered> {
        let path = self.map_path();
        let map = load_file(&path).ok()?;
        let saved_at = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let original = std::fs::read_to_string(self.dir.join(ORIGIN_FILE))
            .ok()
            .filter(|s| !s.trim().is_empty())
            .map(|s| PathBuf::from(s.trim()));
        Some(Recovered {
            map,
            original,
            saved_at,
        })
    }

    fn clear(&self) {
        let _ = std::fs::remove_file(self.map_path());
        let _ = std::fs::remove_file(self.dir.join(ORIGIN_FILE));
    }

    /// Removes the whole slot (its lock file last, while still held).
    fn remove(self) {
        self.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Debug)]
enum SlotError {
    Held,
    Io(std::io::Error),
}

/// This editor's recovery copy, and a copy left by one that is gone while the user decides
/// about it.
#[derive(Debug)]
pub struct Recovery {
    root: PathBuf,
    /// Our own slot, taken at the first write.
    own: std::cell::OnceCell<Result<Slot, String>>,
    own_name: String,
    /// A slot of an editor that is gone, locked by us since `find_orphan`.
    orphan: Option<Slot>,
}

impl Recovery {
    /// The recovery copies under `root`; this editor's own slot is named after its process
    /// and start time, so no two running editors share one.
    pub fn new(root: PathBuf) -> Self {
        let started = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Self {
            root,
            own: std::cell::OnceCell::new(),
            own_name: format!("{}-{started}", std::process::id()),
            orphan: None,
        }
    }

    fn own(&self) -> Result<&Slot, String> {
        self.own
            .get_or_init(|| {
                let dir = self.root.join(&self.own_name);
                // Another window tidying up empty slots may take and remove a fresh one
                // before it is locked here: try again briefly.
                let mut attempt = 0;
                loop {
                    match Slot::take(&dir) {
                        Ok(slot) => return Ok(slot),
                        Err(_) if attempt < 3 => {
                            attempt += 1;
                            std::thread::sleep(std::time::Duration::from_millis(20));
                        }
                        Err(SlotError::Held) => return Err(format!("{} is in use", dir.display())),
                        Err(SlotError::Io(e)) => return Err(format!("{}: {e}", dir.display())),
                    }
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Writes this editor's recovery copy (atomically, like any save).
    pub fn write(&self, map: &Map, original: Option<&Path>) -> Result<(), String> {
        let slot = self.own()?;
        let origin = original
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        std::fs::write(slot.dir.join(ORIGIN_FILE), origin).map_err(|e| e.to_string())?;
        save_file(map, &slot.map_path()).map_err(|e| e.to_string())
    }

    /// This editor's own recovery copy, if it wrote one (tests, and a check after a write).
    pub fn read(&self) -> Option<Recovered> {
        self.own.get()?.as_ref().ok()?.read()
    }

    /// Removes this editor's recovery copy (after a save, or when its work is discarded).
    pub fn clear(&self) {
        if let Some(Ok(slot)) = self.own.get() {
            slot.clear();
        }
    }

    /// A recovery copy left by an editor that is no longer running, locked for this one
    /// until `adopt_orphan` or `discard_orphan`. Copies of running editors are skipped
    /// without being read; unreadable leftovers are left alone.
    pub fn find_orphan(&mut self) -> Option<Recovered> {
        if let Some(slot) = &self.orphan {
            return slot.read();
        }
        self.adopt_legacy_copy();
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&self.root)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != self.own_name.as_str()))
            .collect();
        // Newest copy first.
        dirs.sort_by_key(|d| {
            std::cmp::Reverse(
                std::fs::metadata(d.join(MAP_FILE))
                    .and_then(|m| m.modified())
                    .ok(),
            )
        });
        for dir in dirs {
            let Ok(slot) = Slot::take(&dir) else {
                continue;
            };
            match slot.read() {
                Some(found) => {
                    self.orphan = Some(slot);
                    return Some(found);
                }
                // An empty slot of an editor that is gone (closed without unsaved work).
                None if !slot.map_path().exists() => slot.remove(),
                None => {}
            }
        }
        None
    }

    /// A copy in the layout of earlier versions (one file at the top of the folder, no
    /// slots) moves into a slot of its own, so it is offered like any other.
    fn adopt_legacy_copy(&self) {
        let legacy = self.root.join(MAP_FILE);
        if !legacy.is_file() {
            return;
        }
        let dir = self.root.join(format!("earlier-{}", self.own_name));
        if std::fs::create_dir_all(&dir).is_ok()
            && std::fs::rename(&legacy, dir.join(MAP_FILE)).is_ok()
        {
            let _ = std::fs::rename(self.root.join(ORIGIN_FILE), dir.join(ORIGIN_FILE));
        }
    }

    /// The offered copy was restored into this editor: its slot goes (this editor's own
    /// slot keeps the work from now on).
    pub fn adopt_orphan(&mut self) {
        if let Some(slot) = self.orphan.take() {
            slot.remove();
        }
    }

    /// The user discarded the offered copy.
    pub fn discard_orphan(&mut self) {
        self.adopt_orphan();
    }
}

#[cfg(test)]
impl Recovery {
    /// Ends this editor as a crash would: the lock is released, nothing is tidied.
    fn simulate_crash(mut self) {
        drop(self.own.take());
        drop(self.orphan.take());
        std::mem::forget(self);
    }
}

impl Drop for Recovery {
    /// A clean exit leaves no empty slot behind; a slot with a copy stays for the next start.
    fn drop(&mut self) {
        if let Some(Ok(slot)) = self.own.take()
            && !slot.map_path().exists()
        {
            slot.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_copy_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let r = Recovery::new(dir.path().join("rec"));
        assert!(r.read().is_none());
        let m = Map::new("unsaved work");
        r.write(&m, Some(Path::new("/somewhere/x.vfmap.json")))
            .unwrap();
        let back = r.read().unwrap();
        assert_eq!(back.map, m);
        assert_eq!(
            back.original,
            Some(PathBuf::from("/somewhere/x.vfmap.json"))
        );
        r.clear();
        assert!(r.read().is_none());
    }

    #[test]
    fn a_running_editors_copy_is_never_offered_nor_deleted_by_another() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("rec");
        let a = Recovery::new(root.clone());
        let work = Map::new("A's unsaved work");
        a.write(&work, None).unwrap();
        // B starts while A runs: nothing to offer, and A's copy is untouched.
        let mut b = Recovery::new(root.clone());
        assert!(b.find_orphan().is_none());
        b.discard_orphan();
        drop(b);
        assert_eq!(a.read().unwrap().map, work);
        // A crashes (its lock goes with it, its copy stays): the next editor gets the copy,
        // and only that one.
        a.simulate_crash();
        let mut c = Recovery::new(root.clone());
        assert_eq!(c.find_orphan().unwrap().map, work);
        let mut d = Recovery::new(root.clone());
        assert!(
            d.find_orphan().is_none(),
            "C holds the copy while its user decides"
        );
        c.adopt_orphan();
        drop(c);
        assert!(d.find_orphan().is_none(), "restored: the old copy is gone");
    }

    #[test]
    fn a_copy_left_by_an_earlier_version_is_offered() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("rec");
        std::fs::create_dir_all(&root).unwrap();
        let old = Map::new("from the old layout");
        save_file(&old, &root.join(MAP_FILE)).unwrap();
        let mut r = Recovery::new(root.clone());
        assert_eq!(r.find_orphan().unwrap().map, old);
        r.discard_orphan();
        assert!(Recovery::new(root).find_orphan().is_none());
    }

    #[test]
    fn a_clean_exit_leaves_no_slot() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("rec");
        let r = Recovery::new(root.clone());
        r.write(&Map::new("x"), None).unwrap();
        r.clear();
        drop(r);
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
    }
}
