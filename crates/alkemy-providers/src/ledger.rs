//! The usage ledger: one [`UsageRecord`] per billed call (a result, or an
//! answer the provider billed that was turned down, marked `rejected`).
//!
//! Records are kept in memory (for the production's `manifest.json`) and,
//! when a journal file is given, appended to it as JSON lines so a resumed
//! run knows what was already spent. Other sinks (the store's usage table)
//! plug in through [`UsageSink`].

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use alkemy_core::{Money, UsageRecord};

/// Somewhere else usage records go (a database table, a progress stream).
pub trait UsageSink: Send + Sync {
    /// Receives one record. Errors are logged by the ledger, never fatal:
    /// the call was made and paid; losing the copy must not lose the result.
    fn record(&self, record: &UsageRecord) -> Result<(), String>;
}

/// Why a journal could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The journal file could not be opened or read.
    #[error("{path}: cannot open usage journal: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of the journal is not a usage record.
    #[error("{path}:{line}: not a usage record: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parse error.
        message: String,
    },
}

/// All usage of a production.
#[derive(Default)]
pub struct Ledger {
    records: Mutex<Vec<UsageRecord>>,
    journal: Option<Mutex<File>>,
    sinks: Vec<Arc<dyn UsageSink>>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("records", &self.records().len())
            .field("journal", &self.journal.is_some())
            .field("sinks", &self.sinks.len())
            .finish()
    }
}

impl Ledger {
    /// An in-memory ledger.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A ledger backed by a JSON-lines journal: existing records are loaded,
    /// new ones appended.
    pub fn with_journal(path: &Path) -> Result<Arc<Self>, LedgerError> {
        let io = |source| LedgerError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io(e)),
        };
        let mut records = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            // A crash mid-append can leave a torn last line; it was never
            // acknowledged, so it is skipped rather than fatal.
            match serde_json::from_str(line) {
                Ok(r) => records.push(r),
                Err(e) if e.is_eof() => {}
                Err(e) => {
                    return Err(LedgerError::Parse {
                        path: path.to_path_buf(),
                        line: i + 1,
                        message: e.to_string(),
                    });
                }
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        if !text.is_empty() && !text.ends_with('\n') {
            // Close the torn line so the next record starts on its own.
            writeln!(file).map_err(io)?;
        }
        Ok(Arc::new(Self {
            records: Mutex::new(records),
            journal: Some(Mutex::new(file)),
            sinks: Vec::new(),
        }))
    }

    /// Adds a sink (call before sharing the ledger).
    pub fn with_sink(mut self: Arc<Self>, sink: Arc<dyn UsageSink>) -> Arc<Self> {
        if let Some(me) = Arc::get_mut(&mut self) {
            me.sinks.push(sink);
        } else {
            tracing::warn!("usage sink added to a shared ledger was ignored");
        }
        self
    }

    /// Records one billed call.
    pub fn record(&self, record: UsageRecord) {
        if let Some(journal) = &self.journal {
            let mut file = journal.lock().unwrap_or_else(PoisonError::into_inner);
            let written = serde_json::to_string(&record)
                .map_err(std::io::Error::other)
                .and_then(|line| writeln!(file, "{line}"))
                .and_then(|()| file.flush());
            if let Err(e) = written {
                tracing::error!("usage journal write failed: {e}");
            }
        }
        for sink in &self.sinks {
            if let Err(e) = sink.record(&record) {
                tracing::error!("usage sink failed: {e}");
            }
        }
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }

    /// A copy of all records, in the order they were made.
    pub fn records(&self) -> Vec<UsageRecord> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The total cost so far.
    pub fn total(&self) -> Money {
        UsageRecord::total(
            self.records
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter(),
        )
    }
}

#[cfg(test)]
mod tests {
    use alkemy_core::{Capability, ContentHash, UnitKind, Units};

    use super::*;

    fn rec(cost: i64) -> UsageRecord {
        UsageRecord {
            provider: "fal".into(),
            model: "fal:flux-dev".into(),
            capability: Capability::Image,
            units: vec![Units::new(UnitKind::Image, 1)],
            cost: Money::from_micros(cost),
            shot_id: None,
            request_hash: ContentHash::of_bytes(&cost.to_le_bytes()),
            at_ms: 1,
            skipped: vec![],
            rejected: None,
        }
    }

    struct Counter(Mutex<usize>);
    impl UsageSink for Counter {
        fn record(&self, _: &UsageRecord) -> Result<(), String> {
            *self.0.lock().unwrap() += 1;
            Ok(())
        }
    }

    #[test]
    fn journal_survives_reopen_and_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("usage.jsonl");
        {
            let l = Ledger::with_journal(&path).unwrap();
            l.record(rec(10));
            l.record(rec(20));
        }
        // Simulate a crash mid-append.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        write!(f, "{{\"provider\":\"fa").unwrap();
        drop(f);
        let l = Ledger::with_journal(&path).unwrap();
        assert_eq!(l.records().len(), 2);
        l.record(rec(5));
        drop(l);
        let l = Ledger::with_journal(&path).unwrap();
        assert_eq!(l.records().len(), 3);
        assert_eq!(l.total(), Money::from_micros(35));
    }

    #[test]
    fn sinks_see_every_record() {
        let counter = Arc::new(Counter(Mutex::new(0)));
        let l = Ledger::new().with_sink(counter.clone());
        l.record(rec(1));
        l.record(rec(2));
        assert_eq!(*counter.0.lock().unwrap(), 2);
        assert_eq!(l.total(), Money::from_micros(3));
    }
}
