//! The production journal: which file in the output folder was made from
//! which inputs, so a second run reuses it and an interrupted run resumes.
//!
//! Every output is first written atomically (temporary file, then rename),
//! then one JSON line is appended to `.alkemy/journal.jsonl`. A run killed at
//! any point therefore leaves either a complete file with its line, or a
//! complete file without one (made again next time), never a line for a
//! half-written file. A torn last line is ignored. At the end of a run the
//! journal is rewritten compactly (atomically) with one line per live output.
//!
//! An entry is trusted only while its file still exists with the recorded
//! size: a file deleted or replaced by hand is made again.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use alkemy_core::{ContentHash, Money};
use alkemy_export::AssetKind;
use serde::{Deserialize, Serialize};

/// One output file and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Path relative to the output folder, `/`-separated.
    pub path: String,
    /// What it is.
    pub kind: AssetKind,
    /// The shot it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shot_id: Option<String>,
    /// Hash of the inputs it was made from.
    pub key: ContentHash,
    /// Hash of the file's content.
    pub hash: ContentHash,
    /// Size of the file.
    pub bytes: u64,
    /// `provider:model` that made it.
    pub model: String,
    /// Seed used, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// What it cost.
    pub cost: Money,
    /// Milliseconds it took to make.
    pub time_ms: u64,
    /// Length in frames, for video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<u64>,
}

/// The journal of one output folder.
#[derive(Debug)]
pub struct Journal {
    out_dir: PathBuf,
    file_path: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    entries: BTreeMap<String, Entry>,
    file: File,
}

/// The journal's folder inside the output folder.
pub const STATE_DIR: &str = ".alkemy";
const FILE_NAME: &str = "journal.jsonl";

impl Journal {
    /// Opens (or starts) the journal of `out_dir`.
    pub fn open(out_dir: &Path) -> io::Result<Self> {
        let dir = out_dir.join(STATE_DIR);
        fs::create_dir_all(&dir)?;
        let file_path = dir.join(FILE_NAME);
        let mut entries = BTreeMap::new();
        let mut torn = false;
        match fs::read(&file_path) {
            Ok(bytes) => {
                torn = bytes.last().is_some_and(|&b| b != b'\n');
                for line in BufReader::new(bytes.as_slice()).lines() {
                    let Ok(line) = line else { break };
                    // A torn or foreign line is skipped, not fatal.
                    if let Ok(entry) = serde_json::from_str::<Entry>(&line) {
                        entries.insert(entry.path.clone(), entry);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file_path)?;
        let journal = Self {
            out_dir: out_dir.to_owned(),
            file_path,
            state: Mutex::new(State { entries, file }),
        };
        if torn {
            // Appending after a torn line would glue the next entry to it.
            journal.compact()?;
        }
        Ok(journal)
    }

    /// Opens the journal only if `out_dir` already has one (for read-only
    /// uses such as quoting, which must not create anything).
    pub fn existing(out_dir: &Path) -> Option<Self> {
        out_dir
            .join(STATE_DIR)
            .join(FILE_NAME)
            .is_file()
            .then(|| Self::open(out_dir).ok())
            .flatten()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the map inconsistent
        // (each operation is a single insert or remove), so recover.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry for `path` if it was made from `key` and the file is still
    /// there at the recorded size.
    pub fn reusable(&self, path: &str, key: &ContentHash) -> Option<Entry> {
        let entry = self.lock().entries.get(path).cloned()?;
        if entry.key != *key {
            return None;
        }
        let meta = fs::metadata(self.out_dir.join(path)).ok()?;
        (meta.is_file() && meta.len() == entry.bytes).then_some(entry)
    }

    /// The entry recorded for `path`, whatever its inputs.
    pub fn get(&self, path: &str) -> Option<Entry> {
        self.lock().entries.get(path).cloned()
    }

    /// Records a file that has just been written completely.
    pub fn record(&self, entry: Entry) -> io::Result<()> {
        let mut line = serde_json::to_vec(&entry).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut state = self.lock();
        state.file.write_all(&line)?;
        state.entries.insert(entry.path.clone(), entry);
        Ok(())
    }

    /// Deletes the files this journal made that are not in `live` (shots
    /// that no longer exist) and forgets them. Files the pipeline did not
    /// make are never touched. Returns the paths removed.
    pub fn sweep(&self, live: &BTreeSet<String>) -> io::Result<Vec<String>> {
        let mut state = self.lock();
        let stale: Vec<String> = state
            .entries
            .keys()
            .filter(|p| !live.contains(*p))
            .cloned()
            .collect();
        for path in &stale {
            match fs::remove_file(self.out_dir.join(path)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            state.entries.remove(path);
        }
        Ok(stale)
    }

    /// Rewrites the journal with one line per live entry.
    pub fn compact(&self) -> io::Result<()> {
        let mut state = self.lock();
        let mut body = Vec::with_capacity(state.entries.len() * 300);
        for entry in state.entries.values() {
            serde_json::to_writer(&mut body, entry).map_err(io::Error::other)?;
            body.push(b'\n');
        }
        alkemy_export::write_atomic(&self.file_path, &body).map_err(io::Error::other)?;
        state.file = OpenOptions::new().append(true).open(&self.file_path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, key: &[u8], bytes: u64) -> Entry {
        Entry {
            path: path.to_owned(),
            kind: AssetKind::Frame,
            shot_id: None,
            key: ContentHash::of_bytes(key),
            hash: ContentHash::of_bytes(b"content"),
            bytes,
            model: "local:previz".to_owned(),
            seed: None,
            cost: Money::ZERO,
            time_ms: 1,
            frames: None,
        }
    }

    #[test]
    fn reuses_only_matching_complete_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.png"), b"12345").unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        journal.record(entry("a.png", b"k1", 5)).unwrap();
        assert!(
            journal
                .reusable("a.png", &ContentHash::of_bytes(b"k1"))
                .is_some()
        );
        // Other inputs: not reusable.
        assert!(
            journal
                .reusable("a.png", &ContentHash::of_bytes(b"k2"))
                .is_none()
        );
        // A file replaced by hand (other size): not reusable.
        fs::write(dir.path().join("a.png"), b"123").unwrap();
        assert!(
            journal
                .reusable("a.png", &ContentHash::of_bytes(b"k1"))
                .is_none()
        );
    }

    #[test]
    fn survives_reopen_and_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.png"), b"12345").unwrap();
        {
            let journal = Journal::open(dir.path()).unwrap();
            journal.record(entry("a.png", b"k1", 5)).unwrap();
        }
        // Simulate a crash in the middle of appending the next line.
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(".alkemy/journal.jsonl"))
            .unwrap();
        f.write_all(br#"{"path":"b.png","kind":"fra"#).unwrap();
        drop(f);
        let journal = Journal::open(dir.path()).unwrap();
        assert!(
            journal
                .reusable("a.png", &ContentHash::of_bytes(b"k1"))
                .is_some()
        );
        assert!(journal.get("b.png").is_none());
        // Appending after the torn line does not glue onto it.
        journal.record(entry("c.png", b"k3", 0)).unwrap();
        drop(journal);
        let journal = Journal::open(dir.path()).unwrap();
        assert!(journal.get("a.png").is_some() && journal.get("c.png").is_some());
    }

    #[test]
    fn sweep_removes_only_its_own_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["old.png", "keep.png", "mine-by-hand.png"] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        let journal = Journal::open(dir.path()).unwrap();
        journal.record(entry("old.png", b"1", 1)).unwrap();
        journal.record(entry("keep.png", b"2", 1)).unwrap();
        let live: BTreeSet<String> = ["keep.png".to_owned()].into();
        assert_eq!(journal.sweep(&live).unwrap(), vec!["old.png".to_owned()]);
        assert!(!dir.path().join("old.png").exists());
        assert!(dir.path().join("keep.png").exists());
        assert!(dir.path().join("mine-by-hand.png").exists());
    }
}
