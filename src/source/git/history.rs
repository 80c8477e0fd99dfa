//! What each commit of a range added, read in one `git log -p`: secrets are a property of
//! history, so a key committed and deleted again inside a pushed range must still be found,
//! although the range's net diff no longer shows it.
//!
//! Each (commit, file) becomes one file of a `ChangeSet` whose new text holds only the lines
//! that commit added, at their line numbers (blank lines elsewhere), so any rule that reads one
//! line or a run of lines (every provider format, private keys) finds what the commit added, and
//! the location is true in that commit's version of the file. A range of 200 commits costs one
//! git process and one engine pass over the added lines, not 200 scans.

use super::{GitError, Repo};
use crate::source::{ChangeKind, ChangeSet, Content, FileChange, Hunk};

/// The added lines of every commit of a range, as a change set, with the commit of each file.
pub struct History {
    pub changes: ChangeSet,
    /// `commits[i]` is the commit that added the lines of `changes.files[i]`.
    pub commits: Vec<String>,
}

impl Repo {
    /// How many non-merge commits a range (from `commit_range`) holds.
    pub fn count_commits(&self, range: &[String]) -> Result<usize, GitError> {
        let mut args = vec!["rev-list", "--count", "--no-merges"];
        args.extend(range.iter().map(String::as_str));
        let out = self.git(&args)?;
        Ok(super::text(out).trim().parse().unwrap_or(0))
    }

    /// The commits of `base..head` as git arguments; `base` may be the empty tree (a branch with
    /// no ancestor on the remote), which means all of head's history.
    pub fn commit_range(&self, base: &str, head: &str) -> Vec<String> {
        if self.resolve(base).is_ok() {
            vec![format!("{base}..{head}")]
        } else {
            vec![head.to_string()]
        }
    }

    /// The lines each non-merge commit of `range` (from `commit_range(base, head)`) added.
    pub fn added_in_each_commit(
        &self,
        range: &[String],
        base: &str,
        head: &str,
    ) -> Result<History, GitError> {
        let mut args = vec![
            "log",
            "--no-merges",
            "--reverse",
            "--no-show-signature",
            "--no-ext-diff",
            "--no-textconv",
            "--no-color",
            "--format=%x00commit %H",
            "-p",
            "-U0",
            "-M",
            "--diff-filter=d",
        ];
        args.extend(range.iter().map(String::as_str));
        let out = self.git(&args)?;
        let (files, commits) = parse_log(&out);
        Ok(History {
            changes: ChangeSet {
                root: self.root.clone(),
                kind: ChangeKind::Range {
                    base: base.to_string(),
                    head: head.to_string(),
                },
                files,
                notifications: Vec::new(),
                repo: None,
                context: Vec::new(),
            },
            commits,
        })
    }
}

/// One file's added lines in one commit: (1-based line, text).
struct Added {
    path: String,
    lines: Vec<(u32, Vec<u8>)>,
}

fn flush(
    cur: &mut Option<Added>,
    commit: &str,
    files: &mut Vec<FileChange>,
    commits: &mut Vec<String>,
) {
    let Some(a) = cur.take() else { return };
    if a.lines.is_empty() {
        return;
    }
    let mut text = Vec::new();
    let mut line = 1;
    let mut hunks: Vec<Hunk> = Vec::new();
    for (n, body) in &a.lines {
        while line < *n {
            text.push(b'\n');
            line += 1;
        }
        text.extend_from_slice(body);
        text.push(b'\n');
        line += 1;
        match hunks.last_mut() {
            Some(h) if h.new_start + h.new_len == n - 1 => h.new_len += 1,
            _ => hunks.push(Hunk {
                old_start: 0,
                old_len: 0,
                new_start: n - 1,
                new_len: 1,
            }),
        }
    }
    files.push(FileChange {
        path: a.path,
        old_path: None,
        old: Content::Absent,
        new: Content::Bytes(text),
        hunks: Some(hunks),
    });
    commits.push(commit.to_string());
}

/// A path of a `+++ b/…` line: git quotes unusual names C-style.
fn plus_path(rest: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(rest);
    let s = s.trim_end_matches('\r');
    if s == "/dev/null" {
        return None;
    }
    let unquoted = crate::source::patch::unquote_c_path(s);
    let p = unquoted.strip_prefix("b/").unwrap_or(&unquoted);
    Some(p.to_string())
}

fn parse_log(out: &[u8]) -> (Vec<FileChange>, Vec<String>) {
    let mut files = Vec::new();
    let mut commits = Vec::new();
    let mut commit = String::new();
    let mut cur: Option<Added> = None;
    let mut next_new_line = 0u32;
    let mut in_hunk = false;
    for line in out.split(|&b| b == b'\n') {
        if let Some(id) = line.strip_prefix(b"\0commit ") {
            flush(&mut cur, &commit, &mut files, &mut commits);
            commit = String::from_utf8_lossy(id).trim().to_string();
            in_hunk = false;
        } else if line.starts_with(b"diff --git ") {
            flush(&mut cur, &commit, &mut files, &mut commits);
            in_hunk = false;
        } else if !in_hunk && line.starts_with(b"+++ ") {
            cur = plus_path(&line[4..]).map(|path| Added {
                path,
                lines: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix(b"@@ ") {
            // `@@ -a,b +c,d @@`: the new side starts at line c.
            let header = String::from_utf8_lossy(rest);
            next_new_line = header
                .split(' ')
                .find_map(|p| p.strip_prefix('+'))
                .and_then(|p| p.split(',').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            in_hunk = true;
        } else if in_hunk {
            match line.first() {
                Some(b'+') => {
                    if let Some(a) = cur.as_mut() {
                        a.lines.push((next_new_line.max(1), line[1..].to_vec()));
                    }
                    next_new_line += 1;
                }
                Some(b' ') => next_new_line += 1,
                Some(b'-') | Some(b'\\') => {}
                _ => in_hunk = false,
            }
        }
    }
    flush(&mut cur, &commit, &mut files, &mut commits);
    (files, commits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_commit_contributes_its_added_lines_at_their_numbers() {
        let log = b"\0commit aaa\n\ndiff --git a/k.py b/k.py\nnew file mode 100644\n--- /dev/null\n+++ b/k.py\n@@ -0,0 +1,2 @@\n+x = 1\n+KEY = 'v'\n\0commit bbb\n\ndiff --git a/k.py b/k.py\n--- a/k.py\n+++ b/k.py\n@@ -2 +1,0 @@\n-KEY = 'v'\n@@ -5,0 +7 @@\n+y = 2\n";
        let (files, commits) = parse_log(log);
        assert_eq!(commits, vec!["aaa", "bbb"]);
        let Content::Bytes(first) = &files[0].new else {
            panic!()
        };
        assert_eq!(first, b"x = 1\nKEY = 'v'\n");
        let Content::Bytes(second) = &files[1].new else {
            panic!()
        };
        assert_eq!(second, b"\n\n\n\n\n\ny = 2\n");
        assert_eq!(files[1].hunks.as_ref().unwrap()[0].new_start, 6);
    }
}
