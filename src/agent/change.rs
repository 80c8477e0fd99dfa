//! A tool call as a change: the files on disk as the old side, what the edit would make of
//! them as the new side; a shell command as one added line of a shell script.

use std::path::{Path, PathBuf};

use super::edit::{self, Applied};
use super::{Action, ToolCall};
use crate::finding::Notification;
use crate::source::{ChangeKind, ChangeSet, Content, FileChange};

/// The path a shell command is scanned under: a shell script, so that the rules about
/// commands (`rules/checks/commands.yaml`) read it, in no folder a rule excludes.
pub const COMMAND_PATH: &str = "agent-command.sh";

/// What a tool call would change, ready for the engine; `None` when there is nothing to check
/// (a tool that neither edits nor runs anything). Files over `max_file` bytes are left out
/// with a note that starts "not checked" (the caller decides what an unchecked file means).
pub fn of(call: &ToolCall, process_cwd: &Path, max_file: u64) -> Option<ChangeSet> {
    let cwd = call
        .cwd
        .clone()
        .filter(|c| c.is_absolute())
        .unwrap_or_else(|| process_cwd.to_path_buf());
    match &call.action {
        Action::Other => None,
        Action::Shell(command) => Some(ChangeSet {
            root: root_of(&cwd),
            kind: ChangeKind::Proposed,
            files: vec![FileChange {
                path: COMMAND_PATH.into(),
                old_path: None,
                old: Content::Absent,
                new: Content::Bytes(format!("{}\n", command.trim_end()).into_bytes()),
                hunks: None,
            }],
            notifications: Vec::new(),
            repo: None,
            context: Vec::new(),
        }),
        Action::Edit(edits) => {
            let first = edits.first()?;
            let root = root_of(absolute(&first.path, &cwd).parent().unwrap_or(&cwd));
            let mut files = Vec::new();
            let mut notifications = Vec::new();
            for e in edits {
                let abs = absolute(&e.path, &cwd);
                let rel = relative(&abs, &root);
                let old = match read(&abs, max_file) {
                    Ok(old) => old,
                    Err(why) => {
                        notifications.push(Notification {
                            path: rel,
                            message: why,
                        });
                        continue;
                    }
                };
                let (path, old_path) = match &e.op {
                    super::EditOp::PatchUpdate {
                        move_to: Some(to), ..
                    } => (relative(&absolute(to, &cwd), &root), Some(rel.clone())),
                    _ => (rel.clone(), None),
                };
                let new = match edit::apply(old.as_deref(), &e.op) {
                    Applied::Text(t) => Content::Bytes(t.into_bytes()),
                    Applied::Deleted => Content::Absent,
                    // diffward cannot place it (the agent's tool may still, matching more
                    // loosely: other dashes or quotes, indentation, line endings): what it would
                    // insert is checked on its own, as a new file of the same name.
                    // What it would take out is the old side of that change, so that a
                    // protection the edit removes is seen too.
                    Applied::Inapplicable(_) => {
                        let (taken, text) = (as_stated(&e.op, false), as_stated(&e.op, true));
                        if text.trim().is_empty() && taken.trim().is_empty() {
                            continue;
                        }
                        let side = |s: String| match s.is_empty() {
                            true => Content::Absent,
                            false => Content::Bytes(s.into_bytes()),
                        };
                        files.push(FileChange {
                            path,
                            old_path: None,
                            old: side(taken),
                            new: side(text),
                            hunks: None,
                        });
                        continue;
                    }
                };
                if let Content::Bytes(b) = &new {
                    if b.len() as u64 > max_file {
                        notifications.push(Notification {
                            path,
                            message: format!(
                                "not checked: the edit makes it {} bytes, over the {max_file}-byte limit",
                                b.len()
                            ),
                        });
                        continue;
                    }
                }
                files.push(FileChange {
                    path,
                    old_path,
                    old: old.map_or(Content::Absent, |t| Content::Bytes(t.into_bytes())),
                    new,
                    hunks: None,
                });
            }
            if files.is_empty() && notifications.is_empty() {
                return None;
            }
            Some(ChangeSet {
                root,
                kind: ChangeKind::Proposed,
                files,
                notifications,
                repo: None,
                context: Vec::new(),
            })
        }
    }
}

/// One side of an edit as the edit itself states it, for an edit diffward cannot place: after
/// (`true`: every replacement's new text, a patch's hunks as they would read afterwards, a
/// fragment) or before (`false`: the old texts, the hunks as they read before; nothing for text
/// added whole).
fn as_stated(op: &super::EditOp, after: bool) -> String {
    use super::{EditOp, PatchLine};
    match op {
        EditOp::Write(t) | EditOp::Fragment(t) if after => t.clone(),
        EditOp::Replace(rs) => rs
            .iter()
            .map(|r| format!("{}\n", if after { &r.new } else { &r.old }))
            .collect(),
        EditOp::PatchUpdate { hunks, .. } => hunks
            .iter()
            .flat_map(|h| &h.lines)
            .filter_map(|l| match l {
                PatchLine::Context(t) => Some(format!("{t}\n")),
                PatchLine::Add(t) if after => Some(format!("{t}\n")),
                PatchLine::Remove(t) if !after => Some(format!("{t}\n")),
                _ => None,
            })
            .collect(),
        EditOp::Write(_) | EditOp::Fragment(_) | EditOp::Delete => String::new(),
    }
}

fn absolute(p: &Path, cwd: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}

/// The repository a path is in (the nearest folder above it with a `.git`), else the folder.
/// Found without starting git: a hook runs before every edit and must be quick.
fn root_of(dir: &Path) -> PathBuf {
    let mut d = Some(dir);
    while let Some(here) = d {
        if here.join(".git").exists() {
            return here.to_path_buf();
        }
        d = here.parent();
    }
    dir.to_path_buf()
}

/// `abs` relative to `root` with `/` separators (rules match such paths); a file outside the
/// root keeps its whole path, without the leading `/`.
fn relative(abs: &Path, root: &Path) -> String {
    let rel = abs.strip_prefix(root).unwrap_or(abs);
    rel.to_string_lossy()
        .trim_start_matches('/')
        .replace('\\', "/")
}

/// The file's text now: `None` when it does not exist; an error for what cannot be checked.
fn read(path: &Path, max_file: u64) -> Result<Option<String>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("not checked: cannot read it ({e})")),
    };
    if !meta.is_file() {
        return Err("not checked: not a regular file".into());
    }
    if meta.len() > max_file {
        return Err(format!(
            "not checked: {} bytes, over the {max_file}-byte limit",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("not checked: cannot read it ({e})"))?;
    if bytes.contains(&0) {
        return Err("not checked: a binary file".into());
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_repository_that_holds_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("app/sub")).unwrap();
        let root = root_of(&dir.path().join("app/sub"));
        assert_eq!(root, dir.path());
        assert_eq!(
            relative(&dir.path().join("app/sub/x.py"), &root),
            "app/sub/x.py"
        );
        assert_eq!(
            relative(Path::new("/elsewhere/y.py"), &root),
            "elsewhere/y.py"
        );
    }

    #[test]
    fn unreadable_and_binary_files_are_notes_and_missing_ones_are_new() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("b.bin");
        std::fs::write(&bin, b"a\0b").unwrap();
        assert!(read(&bin, 1 << 20).unwrap_err().contains("binary"));
        assert_eq!(read(&dir.path().join("none.py"), 1 << 20).unwrap(), None);
        assert!(read(dir.path(), 1 << 20).unwrap_err().contains("regular"));
        std::fs::write(dir.path().join("big.py"), "x = 1\n").unwrap();
        assert!(read(&dir.path().join("big.py"), 3)
            .unwrap_err()
            .contains("limit"));
    }
}
