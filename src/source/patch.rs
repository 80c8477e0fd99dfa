//! Unified diffs (`git diff`, `diff -u`): the post-image is read from the work tree, and the
//! pre-image is rebuilt from it by undoing the hunks. When the work tree does not hold the
//! post-image, both sides are rebuilt from the hunks alone, with blank lines where the patch
//! shows nothing, so line numbers stay true.

use std::path::Path;

use super::{ChangeKind, ChangeSet, Content, FileChange, Hunk};
use crate::finding::Notification;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{what}: line {line}: {message}")]
#[diagnostic(
    code(diffward::patch),
    help("pass a unified diff, e.g. the output of `git diff`")
)]
pub struct PatchError {
    pub what: String,
    pub line: usize,
    pub message: String,
}

#[derive(Default)]
struct PatchFile {
    old_path: Option<String>,
    new_path: Option<String>,
    hunks: Vec<PatchHunk>,
    binary: bool,
}

struct PatchHunk {
    old_start: u32,
    old_len: u32,
    new_start: u32,
    new_len: u32,
    /// (' ' | '-' | '+', text without the marker)
    lines: Vec<(u8, String)>,
}

fn strip_prefix_path(p: &str) -> Option<String> {
    let p = p.trim_end_matches(['\r', '\n']);
    // `"a/na\303\257ve.py"` (git quotes unusual names), else a name up to a tab (`diff -u`
    // puts a timestamp there).
    let p = if p.starts_with('"') {
        unquote_c_path(p)
    } else {
        p.split('\t').next().unwrap_or(p).to_string()
    };
    if p == "/dev/null" {
        return None;
    }
    Some(
        p.strip_prefix("a/")
            .or_else(|| p.strip_prefix("b/"))
            .unwrap_or(&p)
            .to_string(),
    )
}

/// A path as git writes it when `core.quotePath` or unusual bytes make it quote: `"..."` with C
/// escapes (`\"`, `\\`, `\t`, `\n`, and octal bytes such as `\303\251`). A name without quotes is
/// returned as it is.
pub fn unquote_c_path(s: &str) -> String {
    let Some(body) = s.strip_prefix('"') else {
        return s.to_string();
    };
    let mut out = Vec::new();
    let b = body.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => break,
            b'\\' if i + 1 < b.len() => {
                i += 1;
                match b[i] {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'a' => out.push(7),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'v' => out.push(11),
                    d @ b'0'..=b'7' => {
                        let mut v = u32::from(d - b'0');
                        let mut k = 0;
                        while k < 2 && i + 1 < b.len() && (b'0'..=b'7').contains(&b[i + 1]) {
                            i += 1;
                            v = v * 8 + u32::from(b[i] - b'0');
                            k += 1;
                        }
                        out.push(v as u8);
                    }
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_range(s: &str) -> Option<(u32, u32)> {
    let s = s.trim_start_matches(['-', '+']);
    match s.split_once(',') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => Some((s.parse().ok()?, 1)),
    }
}

fn parse(text: &str, what: &str) -> Result<Vec<PatchFile>, PatchError> {
    let err = |line: usize, message: &str| PatchError {
        what: what.to_string(),
        line,
        message: message.to_string(),
    };
    let mut files: Vec<PatchFile> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if l.starts_with("diff --git ") {
            files.push(PatchFile::default());
        } else if let Some(rest) = l.strip_prefix("--- ") {
            if files
                .last()
                .is_none_or(|f| !f.hunks.is_empty() || f.old_path.is_some() || f.new_path.is_some())
            {
                files.push(PatchFile::default());
            }
            let f = files.last_mut().expect("pushed");
            f.old_path = strip_prefix_path(rest);
            if let Some(next) = lines.get(i + 1).and_then(|n| n.strip_prefix("+++ ")) {
                f.new_path = strip_prefix_path(next);
                i += 1;
            }
        } else if l.starts_with("Binary files ") || l.starts_with("GIT binary patch") {
            if let Some(f) = files.last_mut() {
                f.binary = true;
            }
        } else if let Some(rest) = l.strip_prefix("@@ ") {
            let f = files
                .last_mut()
                .ok_or_else(|| err(i + 1, "hunk before any file header"))?;
            let mut parts = rest.split(' ');
            let (os, ol) = parts
                .next()
                .and_then(parse_range)
                .ok_or_else(|| err(i + 1, "bad hunk header"))?;
            let (ns, nl) = parts
                .next()
                .and_then(parse_range)
                .ok_or_else(|| err(i + 1, "bad hunk header"))?;
            let mut h = PatchHunk {
                old_start: os,
                old_len: ol,
                new_start: ns,
                new_len: nl,
                lines: Vec::new(),
            };
            let (mut seen_old, mut seen_new) = (0, 0);
            while (seen_old < ol || seen_new < nl) && i + 1 < lines.len() {
                i += 1;
                let hl = lines[i];
                let (marker, body) = match hl.as_bytes().first() {
                    Some(b'\\') => continue, // "\ No newline at end of file"
                    Some(&m @ (b' ' | b'-' | b'+')) => (m, &hl[1..]),
                    None => (b' ', ""),
                    _ => return Err(err(i + 1, "unexpected line inside a hunk")),
                };
                if marker != b'+' {
                    seen_old += 1;
                }
                if marker != b'-' {
                    seen_new += 1;
                }
                h.lines.push((marker, body.to_string()));
            }
            f.hunks.push(h);
        }
        i += 1;
    }
    Ok(files)
}

/// Rebuild one side of a file from the hunks alone, padding unknown lines with blanks.
fn rebuild_from_hunks(hunks: &[PatchHunk], new_side: bool) -> String {
    let mut out: Vec<String> = Vec::new();
    for h in hunks {
        let start = if new_side { h.new_start } else { h.old_start };
        while (out.len() as u32) + 1 < start {
            out.push(String::new());
        }
        for (m, body) in &h.lines {
            let keep = if new_side { *m != b'-' } else { *m != b'+' };
            if keep {
                out.push(body.clone());
            }
        }
    }
    let mut s = out.join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    s
}

/// Undo the hunks on the post-image; `None` when the post-image does not match the patch.
fn undo_hunks(post: &str, hunks: &[PatchHunk]) -> Option<String> {
    let new_lines: Vec<&str> = post.lines().collect();
    let mut old: Vec<&str> = Vec::new();
    let mut next = 0usize; // next new line (0-based) not yet copied
    for h in hunks {
        // A hunk with no new lines names the line after which it applies.
        let start = if h.new_len == 0 {
            h.new_start as usize
        } else {
            (h.new_start as usize).saturating_sub(1)
        };
        if start < next || start > new_lines.len() {
            return None;
        }
        old.extend_from_slice(&new_lines[next..start]);
        let mut pos = start;
        for (m, body) in &h.lines {
            match m {
                b'+' | b' ' => {
                    if new_lines.get(pos) != Some(&body.as_str()) {
                        return None;
                    }
                    if *m == b' ' {
                        old.push(body);
                    }
                    pos += 1;
                }
                _ => old.push(body),
            }
        }
        next = pos;
    }
    old.extend_from_slice(&new_lines[next.min(new_lines.len())..]);
    let mut s = old.join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    Some(s)
}

fn hunks_of(p: &[PatchHunk]) -> Vec<Hunk> {
    let mut out = Vec::new();
    for h in p {
        // Split each patch hunk into runs of changed lines, dropping context.
        let mut o = h.old_start.saturating_sub(1);
        let mut n = h.new_start.saturating_sub(1);
        if h.old_len == 0 {
            o = h.old_start;
        }
        if h.new_len == 0 {
            n = h.new_start;
        }
        let mut cur: Option<Hunk> = None;
        for (m, _) in &h.lines {
            match m {
                b' ' => {
                    if let Some(c) = cur.take() {
                        out.push(c);
                    }
                    o += 1;
                    n += 1;
                }
                b'-' => {
                    let c = cur.get_or_insert(Hunk {
                        old_start: o,
                        old_len: 0,
                        new_start: n,
                        new_len: 0,
                    });
                    c.old_len += 1;
                    o += 1;
                }
                _ => {
                    let c = cur.get_or_insert(Hunk {
                        old_start: o,
                        old_len: 0,
                        new_start: n,
                        new_len: 0,
                    });
                    c.new_len += 1;
                    n += 1;
                }
            }
        }
        if let Some(c) = cur.take() {
            out.push(c);
        }
    }
    out
}

/// Read a unified diff; `root` is where the post-image files are looked up.
pub fn from_patch(root: &Path, text: &str, what: &str) -> Result<ChangeSet, PatchError> {
    let mut files = Vec::new();
    let mut notifications = Vec::new();
    for f in parse(text, what)? {
        let Some(path) = f.new_path.clone().or_else(|| f.old_path.clone()) else {
            continue;
        };
        if f.binary {
            notifications.push(Notification {
                path,
                message: "skipped: binary change in the patch".into(),
            });
            continue;
        }
        let hunks = hunks_of(&f.hunks);
        let (old, new) = if f.new_path.is_none() {
            (
                Content::Bytes(rebuild_from_hunks(&f.hunks, false).into_bytes()),
                Content::Absent,
            )
        } else {
            let post = std::fs::read(root.join(&path))
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            match post
                .as_deref()
                .and_then(|p| undo_hunks(p, &f.hunks).map(|o| (p.to_string(), o)))
            {
                Some((post, pre)) => (
                    if f.old_path.is_none() {
                        Content::Absent
                    } else {
                        Content::Bytes(pre.into_bytes())
                    },
                    Content::Bytes(post.into_bytes()),
                ),
                None => {
                    notifications.push(Notification {
                        path: path.clone(),
                        message: "the work tree does not hold this patch's post-image: scanned the patch's lines only".into(),
                    });
                    (
                        if f.old_path.is_none() {
                            Content::Absent
                        } else {
                            Content::Bytes(rebuild_from_hunks(&f.hunks, false).into_bytes())
                        },
                        Content::Bytes(rebuild_from_hunks(&f.hunks, true).into_bytes()),
                    )
                }
            }
        };
        let old_path = match (&f.old_path, &f.new_path) {
            (Some(o), Some(n)) if o != n => Some(o.clone()),
            _ => None,
        };
        files.push(FileChange {
            path,
            old_path,
            old,
            new,
            hunks: Some(hunks),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(ChangeSet {
        root: root.to_path_buf(),
        kind: ChangeKind::Patch,
        files,
        notifications,
        repo: None,
        context: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1,3 +1,3 @@\n import requests\n-r = requests.get(url)\n+r = requests.get(url, verify=False)\n print(r)\n";

    #[test]
    fn pre_image_is_rebuilt_from_the_post_image() {
        let files = parse(PATCH, "test").unwrap();
        let post = "import requests\nr = requests.get(url, verify=False)\nprint(r)\n";
        let pre = undo_hunks(post, &files[0].hunks).unwrap();
        assert_eq!(pre, "import requests\nr = requests.get(url)\nprint(r)\n");
        assert_eq!(
            hunks_of(&files[0].hunks),
            vec![Hunk {
                old_start: 1,
                old_len: 1,
                new_start: 1,
                new_len: 1
            }]
        );
    }

    #[test]
    fn quoted_paths_are_unquoted() {
        assert_eq!(unquote_c_path("\"a/na\\303\\257ve.py\""), "a/naïve.py");
        assert_eq!(
            unquote_c_path("\"b/tab\\there \\\"q\\\".py\""),
            "b/tab\there \"q\".py"
        );
        assert_eq!(
            strip_prefix_path("\"b/na\\303\\257ve.py\"").as_deref(),
            Some("naïve.py")
        );
        assert_eq!(
            strip_prefix_path("b/x.py\t2024-01-01").as_deref(),
            Some("x.py")
        );
        assert_eq!(
            strip_prefix_path("b/back\\slash.py").as_deref(),
            Some("back\\slash.py")
        );
    }

    #[test]
    fn without_the_work_tree_lines_keep_their_numbers() {
        let p = "--- a/x.py\n+++ b/x.py\n@@ -10,2 +10,3 @@\n a\n+b\n c\n";
        let files = parse(p, "test").unwrap();
        let new = rebuild_from_hunks(&files[0].hunks, true);
        assert_eq!(new.lines().nth(10), Some("b"));
    }
}
