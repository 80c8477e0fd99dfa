//! Agent-edit mode: a coding agent's proposed edit, checked before the agent applies it.
//!
//! An agent (Claude Code, Codex CLI, Gemini CLI, Cursor, GitHub Copilot's agent) runs
//! `diffward agent-hook` before a tool call and hands it the call as JSON on standard input.
//! The edit is a change like any other: the old side is the file on disk now (empty for a new
//! file), the new side the file as the edit would leave it; the engine scans both sides with
//! the repository's rules and settings, and the answer goes back in the agent's own protocol.
//!
//! The data that flows, and who owns each step:
//!
//! ```text
//! stdin JSON ──payload::parse──> ToolCall { agent, cwd, action }
//!   Action::Edit(FileEdit { path, op })  ──edit::apply(old text, op)──> new text
//!                                          (an edit that cannot apply: allowed, the agent's
//!                                           own tool will fail and say why)
//!   Action::Shell(command)               ──> a one-line change of a shell script
//!   Action::Other                        ──> allowed at once
//!   ──> ChangeSet ──engine──> findings ──> Decision ──answer::render(agent)──> exit code + text
//! ```

pub mod answer;
pub mod apply_patch;
pub mod change;
pub mod decide;
pub mod edit;
pub mod install;
pub mod payload;

use std::path::PathBuf;

/// The agents whose hook protocols diffward speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
#[value(rename_all = "kebab-case")]
pub enum Agent {
    ClaudeCode,
    Codex,
    Gemini,
    Cursor,
    Copilot,
}

impl Agent {
    pub fn name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "Claude Code",
            Agent::Codex => "Codex CLI",
            Agent::Gemini => "Gemini CLI",
            Agent::Cursor => "Cursor",
            Agent::Copilot => "GitHub Copilot",
        }
    }
}

/// One tool call an agent is about to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub agent: Agent,
    /// The hook event's name as the agent sent it (`PreToolUse`, `BeforeTool`, `preToolUse`),
    /// which some answers must repeat.
    pub event: String,
    /// The tool's name as the agent sent it (`Edit`, `write_file`, `apply_patch`, ...).
    pub tool: String,
    /// The agent's working directory, when the payload says (file paths may be relative to it).
    pub cwd: Option<PathBuf>,
    pub action: Action,
}

/// What the tool call would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Change files (one, or several for a patch).
    Edit(Vec<FileEdit>),
    /// Run a shell command.
    Shell(String),
    /// Anything else (reads, searches, web fetches): allowed untouched.
    Other,
}

/// A change to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// As the payload gives it: absolute, or relative to the call's `cwd`.
    pub path: PathBuf,
    pub op: EditOp,
}

/// How a file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOp {
    /// The whole new content (`Write`, `write_file`, a patch's `Add File`).
    Write(String),
    /// Replacements applied in order, each to the result of the one before (`Edit`,
    /// `MultiEdit`, `replace`).
    Replace(Vec<Replacement>),
    /// A patch's `Update File`: hunks applied in order, and the file's new path if it moves.
    PatchUpdate {
        hunks: Vec<PatchHunk>,
        move_to: Option<PathBuf>,
    },
    /// The file is deleted (a patch's `Delete File`).
    Delete,
    /// Text the agent's tool places in the file by itself, where diffward cannot follow it
    /// (VS Code's `insert_edit_into_file` merges a snippet with `...existing code...` markers;
    /// a notebook tool writes a cell inside the notebook's JSON): it is checked on its own, as
    /// the text the edit adds.
    Fragment(String),
}

/// One `old_string` -> `new_string` replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub old: String,
    pub new: String,
    /// Replace every occurrence (`replace_all`), not only the first.
    pub replace_all: bool,
    /// How many occurrences the agent expects (Gemini's `expected_replacements`); when set,
    /// every occurrence is replaced.
    pub expected: Option<usize>,
}

/// One hunk of a patch's `Update File`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchHunk {
    /// The text after `@@`, which names where the hunk applies (a class or function line), if
    /// any.
    pub anchor: Option<String>,
    pub lines: Vec<PatchLine>,
}

/// A line of a patch hunk, without its leading marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchLine {
    Context(String),
    Remove(String),
    Add(String),
}

/// What diffward decided about a tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Refuse the call.
    pub deny: bool,
    /// For the agent (and the person watching): what was found, where, how to fix it. Secrets
    /// are already redacted. Empty when there is nothing to say.
    pub reason: String,
}
