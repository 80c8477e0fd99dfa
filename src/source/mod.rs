//! Change sources: whatever the user points diffward at becomes one `ChangeSet`.
//!
//! A source only says which files changed and where their two sides are; it does not decode,
//! diff or parse them (the engine does that per file, in parallel, and drops each text when done).

pub mod git;
pub mod linediff;
pub mod patch;
pub mod paths;

use std::path::PathBuf;

use crate::finding::Notification;

/// Where one side of a file is.
#[derive(Debug, Clone)]
pub enum Content {
    /// This side does not exist (an added file's old side, a deleted file's new side).
    Absent,
    /// Bytes already read (a git blob, a patch's reconstruction).
    Bytes(Vec<u8>),
    /// A file in the work tree, read when the engine gets to it.
    Disk(PathBuf),
}

impl Content {
    pub fn is_absent(&self) -> bool {
        matches!(self, Content::Absent)
    }
}

/// A run of changed lines: `old_len` lines from `old_start` were replaced with `new_len` lines
/// at `new_start` (0-based line indexes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hunk {
    pub old_start: u32,
    pub old_len: u32,
    pub new_start: u32,
    pub new_len: u32,
}

/// One changed file.
#[derive(Debug, Clone)]
pub struct FileChange {
    /// Repository-relative path, `/`-separated: the new path, or the old one for a deletion.
    pub path: String,
    /// The path the old text came from, when git detected a rename or copy.
    pub old_path: Option<String>,
    pub old: Content,
    pub new: Content,
    /// The changed lines when the source knows them (a patch); otherwise the engine diffs.
    pub hunks: Option<Vec<Hunk>>,
}

/// What kind of change was read, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    Paths,
    Range {
        base: String,
        head: String,
    },
    Staged,
    Uncommitted,
    Patch,
    /// A coding agent's proposed edit: the files on disk, and what the edit would make of them.
    Proposed,
}

/// A commit in the scanned range, for provenance.
#[derive(Debug, Clone)]
pub struct RepoInfo {
    /// The `origin` remote's URL, when the repository has one.
    pub remote_url: Option<String>,
    /// The commit the new side belongs to (HEAD, or the range's head).
    pub revision: Option<String>,
    pub branch: Option<String>,
}

/// Everything one scan reads.
#[derive(Debug, Clone)]
pub struct ChangeSet {
    /// Paths are relative to this folder (the repository's top level, or the current folder).
    pub root: PathBuf,
    pub kind: ChangeKind,
    pub files: Vec<FileChange>,
    /// Files the source could not read, and why.
    pub notifications: Vec<Notification>,
    pub repo: Option<RepoInfo>,
    /// Files the change leaves alone that the analyzers read to judge it: the lockfiles beside
    /// (or above) a changed manifest, as they are on the new side. Only their new side is set;
    /// no rule reports anything in them.
    pub context: Vec<FileChange>,
}

/// A path made repository-relative with `/` separators.
pub fn display_path(p: &std::path::Path) -> String {
    // A backslash is a separator on Windows only; elsewhere it is part of a name.
    let s = p.to_string_lossy();
    #[cfg(windows)]
    let s = s.replace('\\', "/");
    #[cfg(not(windows))]
    let s = s.into_owned();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Percent-encode a relative path for a URI (keeps `/` and RFC 3986 unreserved characters).
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
