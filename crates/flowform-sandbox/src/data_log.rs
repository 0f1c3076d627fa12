//! The data file's format: an append-only log of changed objects, and its compaction.
//!
//! Rewriting the whole store on every change made an apply quadratic (36.6 s of sandbox CPU
//! for 6,667 resources). Instead a commit appends one JSON line per object that changed since
//! the last commit (its new value, or a tombstone), then a commit line:
//!
//! ```text
//! {"format":"flowform-sandbox/2"}
//! {"op":"put","table":"secretsmanager.secrets","scope":"us-east-1","key":"app/db","value":{...}}
//! {"op":"delete","table":"appflow.profiles","scope":"us-east-1","key":"old"}
//! {"op":"commit","name_rng":1234}
//! ```
//!
//! `scope` is the region for regional tables, the bucket for `s3.objects`, and empty for
//! `s3.buckets` (one namespace for every region, as in AWS). A bucket's record carries the
//! bucket without its objects, which have records of their own; bucket records come first in a
//! commit and in a snapshot, so an object's bucket exists when the object is read back.
//!
//! Reading back applies a commit's records only once its commit line is read, so a crash in the
//! middle of an append loses that whole commit (which was never acknowledged) and never half of
//! it. A torn last line is dropped with a warning; anything unreadable before the last line is
//! corruption and refused, naming the file and line. A file in the old whole-snapshot format
//! (`flowform-sandbox/1`) is read and rewritten in this one.
//!
//! Compaction rewrites the log with only the newest record of each live object, working from
//! the file (not from memory, so requests keep being served), through a temporary file, fsync
//! and rename.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::{RegionState, State};
use crate::table::Table;

/// The tag on the first line of the log.
pub const FORMAT: &str = "flowform-sandbox/2";
/// The tag of the old format, one pretty-printed JSON snapshot of the whole store.
pub const OLD_FORMAT: &str = "flowform-sandbox/1";

const PROFILES: &str = "appflow.profiles";
const TOKENS: &str = "appflow.tokens";
const SECRETS: &str = "secretsmanager.secrets";
const KEYS: &str = "kms.keys";
const ALIASES: &str = "kms.aliases";
const BUCKETS: &str = "s3.buckets";
const OBJECTS: &str = "s3.objects";

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum RecordOut<'a, V> {
    Put {
        table: &'a str,
        scope: &'a str,
        key: &'a str,
        value: &'a V,
    },
    Delete {
        table: &'a str,
        scope: &'a str,
        key: &'a str,
    },
}

#[derive(Serialize)]
struct HeaderOut<'a> {
    format: &'a str,
}

#[derive(Serialize)]
struct CommitOut {
    op: &'static str,
    name_rng: u64,
}

/// What a line says, read without its value: enough to replay it and to compact.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    op: Cow<'a, str>,
    #[serde(default, borrow)]
    table: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    scope: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    key: Option<Cow<'a, str>>,
    #[serde(default)]
    name_rng: Option<u64>,
}

/// A line with its value, for replaying.
#[derive(Deserialize)]
struct LineWithValue {
    #[serde(default)]
    value: Option<Value>,
}

#[derive(Deserialize)]
struct Header {
    format: String,
}

fn push_line(out: &mut Vec<u8>, line: &impl Serialize) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.push(b'\n');
    Ok(())
}

/// The first line of every log.
pub fn header() -> Vec<u8> {
    let mut out = Vec::new();
    // Serializing two string fields cannot fail.
    let _ = push_line(&mut out, &HeaderOut { format: FORMAT });
    out
}

/// The records of every object changed since the last call, and a commit line. The work is
/// proportional to what changed (plus one look at each table), not to what is stored.
pub fn changes(state: &mut State, name_rng: u64, out: &mut Vec<u8>) -> serde_json::Result<()> {
    write_tables(state, out, false)?;
    push_line(
        out,
        &CommitOut {
            op: "commit",
            name_rng,
        },
    )
}

/// A whole log holding every object: for migrating an old file, after a failed append, and
/// at start when the log is mostly history.
pub fn everything(state: &mut State, name_rng: u64) -> serde_json::Result<Vec<u8>> {
    let mut out = header();
    write_tables(state, &mut out, true)?;
    push_line(
        &mut out,
        &CommitOut {
            op: "commit",
            name_rng,
        },
    )?;
    Ok(out)
}

fn write_tables(state: &mut State, out: &mut Vec<u8>, all: bool) -> serde_json::Result<()> {
    // Buckets before objects: an object is read back into a bucket that exists.
    write_table(&mut state.s3, BUCKETS, "", out, all)?;
    for (name, bucket) in state.s3.values_mut_untracked() {
        write_table(&mut bucket.objects, OBJECTS, name, out, all)?;
    }
    for (region, r) in &mut state.regions {
        write_table(&mut r.secretsmanager.secrets, SECRETS, region, out, all)?;
        write_table(&mut r.kms.keys, KEYS, region, out, all)?;
        write_table(&mut r.kms.aliases, ALIASES, region, out, all)?;
        write_table(&mut r.appflow.profiles, PROFILES, region, out, all)?;
        write_table(&mut r.appflow.tokens, TOKENS, region, out, all)?;
    }
    Ok(())
}

fn write_table<V: Serialize>(
    table: &mut Table<V>,
    name: &str,
    scope: &str,
    out: &mut Vec<u8>,
    all: bool,
) -> serde_json::Result<()> {
    if all {
        table.clear_dirty();
        for (key, value) in table.iter() {
            let record = RecordOut::Put {
                table: name,
                scope,
                key,
                value,
            };
            push_line(out, &record)?;
        }
        return Ok(());
    }
    if !table.has_dirty() {
        return Ok(());
    }
    for key in table.take_dirty() {
        match table.get(&key) {
            Some(value) => push_line(
                out,
                &RecordOut::Put {
                    table: name,
                    scope,
                    key: &key,
                    value,
                },
            )?,
            None => push_line(
                out,
                &RecordOut::Delete::<()> {
                    table: name,
                    scope,
                    key: &key,
                },
            )?,
        }
    }
    Ok(())
}

/// Why a data file could not be read back.
#[derive(Debug)]
pub enum LoadError {
    /// Not JSON at all, or the old format's JSON did not fit.
    Parse(serde_json::Error),
    /// A format this sandbox does not know (a newer sandbox wrote it?).
    UnknownFormat(String),
    /// A line before the last that cannot be read: the file was damaged.
    Corrupt { line: usize, message: String },
}

/// A data file read back.
pub struct Loaded {
    pub state: State,
    pub name_rng: Option<u64>,
    /// What the reader dropped or changed, to be told to whoever started the sandbox.
    pub warnings: Vec<String>,
    /// The file should be rewritten before anything is appended: it was in the old format, or
    /// ended with an unfinished commit.
    pub rewrite: bool,
}

pub fn load(bytes: &[u8]) -> Result<Loaded, LoadError> {
    let first_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    match serde_json::from_slice::<Header>(&bytes[..first_end]) {
        Ok(header) if header.format == FORMAT => replay(bytes, first_end + 1),
        Ok(header) if header.format != OLD_FORMAT => Err(LoadError::UnknownFormat(header.format)),
        _ => load_old(bytes),
    }
}

/// The old format: the whole store as one JSON document.
fn load_old(bytes: &[u8]) -> Result<Loaded, LoadError> {
    let mut state: State = serde_json::from_slice(bytes).map_err(LoadError::Parse)?;
    if state.format != OLD_FORMAT {
        return Err(LoadError::UnknownFormat(state.format));
    }
    // Both live elsewhere in the log: the format in its header, the generator in commits.
    state.format.clear();
    Ok(Loaded {
        name_rng: state.name_rng.take(),
        state,
        warnings: vec![format!(
            "converted the data file from {OLD_FORMAT} (one snapshot) to {FORMAT} (a log)"
        )],
        rewrite: true,
    })
}

/// The lines after the header: (1-based line number, bytes without the newline, whether a
/// newline ended it).
fn lines(bytes: &[u8], start: usize) -> impl Iterator<Item = (usize, &[u8], bool)> {
    let body = bytes.get(start..).unwrap_or_default();
    let mut rest = body;
    let mut number = 1;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        number += 1;
        let (line, ended) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => {
                let line = &rest[..end];
                rest = &rest[end + 1..];
                (line, true)
            }
            None => {
                let line = rest;
                rest = &[];
                (line, false)
            }
        };
        Some((number, line, ended))
    })
}

fn replay(bytes: &[u8], start: usize) -> Result<Loaded, LoadError> {
    let mut state = State::default();
    let mut name_rng = None;
    let mut warnings = Vec::new();
    let mut rewrite = false;
    let mut pending: Vec<(usize, &[u8])> = Vec::new();
    let mut all = lines(bytes, start).peekable();
    while let Some((number, text, ended)) = all.next() {
        if text.iter().all(u8::is_ascii_whitespace) && ended {
            continue;
        }
        let last = all.peek().is_none();
        let parsed = serde_json::from_slice::<Line<'_>>(text);
        let torn = last
            && (!ended
                || parsed
                    .as_ref()
                    .err()
                    .is_some_and(|e| e.is_syntax() || e.is_eof()));
        if torn {
            warnings.push(format!(
                "dropped line {number}, a write cut short (the sandbox stopped in the middle of saving; that change was never acknowledged)"
            ));
            rewrite = true;
            break;
        }
        let line = parsed.map_err(|e| LoadError::Corrupt {
            line: number,
            message: e.to_string(),
        })?;
        match line.op.as_ref() {
            "put" | "delete" => pending.push((number, text)),
            "commit" => {
                for (number, text) in pending.drain(..) {
                    apply(&mut state, text).map_err(|message| LoadError::Corrupt {
                        line: number,
                        message,
                    })?;
                }
                name_rng = line.name_rng.or(name_rng);
            }
            other => {
                return Err(LoadError::Corrupt {
                    line: number,
                    message: format!("unknown operation {other:?}"),
                });
            }
        }
    }
    if !pending.is_empty() {
        warnings.push(format!(
            "dropped {} record(s) after the last commit, a save cut short (never acknowledged)",
            pending.len()
        ));
        rewrite = true;
    }
    Ok(Loaded {
        state,
        name_rng,
        warnings,
        rewrite,
    })
}

fn region<'a>(state: &'a mut State, scope: &str) -> &'a mut RegionState {
    state.regions.entry(scope.to_owned()).or_default()
}

/// Applies one put or delete line to the state.
fn apply(state: &mut State, text: &[u8]) -> Result<(), String> {
    let line: Line<'_> = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    let value = match line.op.as_ref() {
        "put" => Some(
            serde_json::from_slice::<LineWithValue>(text)
                .map_err(|e| e.to_string())?
                .value
                .ok_or("a put without a value")?,
        ),
        _ => None,
    };
    let (Some(table), Some(scope), Some(key)) = (line.table, line.scope, line.key) else {
        return Err("a record needs a table, a scope and a key".to_owned());
    };
    let key = key.into_owned();
    fn typed<V: serde::de::DeserializeOwned>(value: Option<Value>) -> Result<Option<V>, String> {
        value
            .map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
            .transpose()
    }
    match table.as_ref() {
        PROFILES => region(state, &scope)
            .appflow
            .profiles
            .restore(key, typed(value)?),
        TOKENS => region(state, &scope)
            .appflow
            .tokens
            .restore(key, typed(value)?),
        SECRETS => region(state, &scope)
            .secretsmanager
            .secrets
            .restore(key, typed(value)?),
        KEYS => region(state, &scope).kms.keys.restore(key, typed(value)?),
        ALIASES => region(state, &scope)
            .kms
            .aliases
            .restore(key, typed(value)?),
        BUCKETS => {
            let bucket: Option<crate::s3::Bucket> = typed(value)?;
            match (bucket, state.s3.get_mut_untracked(&key)) {
                // A bucket record leaves the bucket's objects where they are.
                (Some(mut bucket), Some(existing)) => {
                    bucket.objects = std::mem::take(&mut existing.objects);
                    *existing = bucket;
                }
                (bucket, _) => state.s3.restore(key, bucket),
            }
        }
        OBJECTS => state
            .s3
            .get_mut_untracked(&scope)
            .ok_or_else(|| format!("an object of bucket {scope:?}, which does not exist"))?
            .objects
            .restore(key, typed(value)?),
        other => return Err(format!("unknown table {other:?}")),
    }
    Ok(())
}

/// Which object a record is about: (table, scope, key).
type ObjectId<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);

/// The log with only the newest record of each live object and one commit line, or `None`
/// when `bytes` is not a log this sandbox can compact (it is left alone then). Only whole
/// commits are kept.
pub fn compact(bytes: &[u8]) -> Option<Vec<u8>> {
    let first_end = bytes.iter().position(|&b| b == b'\n')?;
    let found: Header = serde_json::from_slice(&bytes[..first_end]).ok()?;
    if found.format != FORMAT {
        return None;
    }
    // The newest line of each live object, by (table, scope, key); the order they were first
    // seen in, so buckets stay ahead of their objects.
    let mut newest: HashMap<ObjectId<'_>, usize> = HashMap::new();
    let mut kept: Vec<Option<&[u8]>> = Vec::new();
    let mut pending: Vec<(ObjectId<'_>, bool, &[u8])> = Vec::new();
    let mut name_rng = None;
    for (_, text, ended) in lines(bytes, first_end + 1) {
        if !ended {
            break;
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // Reading the line checks that it is whole JSON, value included.
        let line: Line<'_> = serde_json::from_slice(text).ok()?;
        match line.op.as_ref() {
            "commit" => {
                for (id, put, text) in pending.drain(..) {
                    match (newest.get(&id).copied(), put) {
                        (Some(slot), true) => kept[slot] = Some(text),
                        (None, true) => {
                            newest.insert(id, kept.len());
                            kept.push(Some(text));
                        }
                        (Some(slot), false) => {
                            kept[slot] = None;
                            newest.remove(&id);
                        }
                        (None, false) => {}
                    }
                }
                name_rng = line.name_rng.or(name_rng);
            }
            op @ ("put" | "delete") => {
                let put = op == "put";
                pending.push(((line.table?, line.scope?, line.key?), put, text));
            }
            _ => return None,
        }
    }
    // No commit at all: nothing to keep but the header.
    let Some(name_rng) = name_rng else {
        return Some(header());
    };
    let mut out = header();
    for text in kept.into_iter().flatten() {
        out.extend_from_slice(text);
        out.push(b'\n');
    }
    push_line(
        &mut out,
        &CommitOut {
            op: "commit",
            name_rng,
        },
    )
    .ok()?;
    Some(out)
}
