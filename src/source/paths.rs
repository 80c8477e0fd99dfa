//! Plain files and folders: every line is added and the old text is empty.
//!
//! `.gitignore` rules are honoured (also outside a repository), hidden files and folders such as
//! `.github/`, `.env` and `.npmrc` are scanned, and only `.git` itself is skipped.

use std::path::{Path, PathBuf};

use super::{display_path, ChangeKind, ChangeSet, Content, FileChange};
use crate::finding::Notification;

/// Collect the files under `paths`; names are shown relative to `root` when they lie below it.
pub fn collect(root: &Path, paths: &[PathBuf]) -> ChangeSet {
    let mut files = Vec::new();
    let mut notifications = Vec::new();
    let cwd = std::env::current_dir().unwrap_or_default();
    for p in paths {
        if !p.exists() {
            notifications.push(Notification {
                path: display_path(p),
                message: "skipped: no such file or folder".into(),
            });
            continue;
        }
        // Walk in parallel: on large trees the walk is a good part of a whole scan.
        let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
        ignore::WalkBuilder::new(p)
            .hidden(false)
            .require_git(false)
            .git_global(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build_parallel()
            .run(|| {
                let found = &found;
                Box::new(move |entry| {
                    let mut guard = found.lock().unwrap_or_else(|e| e.into_inner());
                    match entry {
                        Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                            guard.0.push(e.into_path())
                        }
                        Ok(e) if e.file_type().is_some_and(|t| t.is_dir()) => {}
                        Ok(e) => {
                            // A FIFO, socket or device is never read (a FIFO would block the
                            // scan); a link is not followed. Say so, at least for what the user
                            // named and for anything that is not a link.
                            let link = e.path_is_symlink();
                            if !link || e.depth() == 0 {
                                let what = if link {
                                    "a symbolic link (not followed)"
                                } else {
                                    "not a regular file (a FIFO, socket or device)"
                                };
                                guard.1.push(format!("{}\0{what}", e.path().display()));
                            }
                        }
                        Err(err) => guard.1.push(err.to_string()),
                    }
                    ignore::WalkState::Continue
                })
            });
        let (paths, errors) = found.into_inner().unwrap_or_else(|e| e.into_inner());
        for path in paths {
            files.push(FileChange {
                path: relative(root, &cwd, &path),
                old_path: None,
                old: Content::Absent,
                new: Content::Disk(path),
                hunks: None,
            });
        }
        for err in errors {
            let (path, message) = match err.split_once('\0') {
                Some((path, what)) => (relative(root, &cwd, Path::new(path)), what.to_string()),
                None => (display_path(p), err),
            };
            notifications.push(Notification {
                path,
                message: format!("skipped: {message}"),
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    ChangeSet {
        root: root.to_path_buf(),
        kind: ChangeKind::Paths,
        files,
        notifications,
        repo: None,
        context: Vec::new(),
    }
}

fn relative(root: &Path, cwd: &Path, p: &Path) -> String {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    let abs = normalize(&abs);
    match abs.strip_prefix(root) {
        Ok(rel) => display_path(rel),
        Err(_) => display_path(p),
    }
}

/// Remove `.` and `..` components without touching the file system.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
