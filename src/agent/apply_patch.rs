//! Reading Codex `apply_patch` bodies.
//!
//! The format, as OpenAI describes it for Codex's `apply_patch` tool (the tool instructions
//! shipped with Codex, and the grammar in its `apply-patch` crate, openai/codex on GitHub):
//!
//! ```text
//! *** Begin Patch
//! *** Add File: <path>          then one `+` line per line of the new file
//! *** Delete File: <path>
//! *** Update File: <path>
//! *** Move to: <path>           optional, right after Update File
//! @@ [anchor text]              starts a hunk; the first hunk may omit it
//!  context / -removed / +added  one marker character, then the line
//! *** End of File               optional, closes a hunk that ends the file
//! *** End Patch
//! ```
//!
//! Codex also accepts the body wrapped in a shell heredoc (`apply_patch <<'EOF' ... EOF`), so
//! this reader does too, and it reads CRLF bodies as if they were LF. Two `@@ anchor` lines in a
//! row narrow the place step by step (a class, then a method in it); each one but the last
//! becomes a hunk with an anchor and no lines, which only moves the place forward.
//!
//! `PatchHunk` has no field for `*** End of File`, so the marker is read and dropped: such a
//! hunk is matched where its lines first occur after the previous hunk, not necessarily at the
//! end of the file.

use std::fmt;
use std::path::PathBuf;

use super::{EditOp, FileEdit, PatchHunk, PatchLine};

/// Why a patch body could not be read, and on which line of it (1-based, counting the
/// heredoc wrapper's lines too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "apply_patch line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for PatchError {}

const BEGIN: &str = "*** Begin Patch";
const END: &str = "*** End Patch";
const ADD: &str = "*** Add File: ";
const DELETE: &str = "*** Delete File: ";
const UPDATE: &str = "*** Update File: ";
const MOVE: &str = "*** Move to: ";
const EOF_MARK: &str = "*** End of File";

/// Does this text look like an apply_patch body (possibly inside a heredoc)?
pub fn looks_like_patch(text: &str) -> bool {
    text.lines().any(|l| l.trim() == BEGIN)
}

/// Read a patch body into the file edits it makes, in order.
pub fn parse(text: &str) -> Result<Vec<FileEdit>, PatchError> {
    // (1-based line number, line without its line ending)
    let all: Vec<(usize, &str)> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .collect();
    let lines = unwrap_heredoc(&all);

    // Skip blank lines around the patch.
    let start = lines.iter().position(|(_, l)| !l.trim().is_empty());
    let Some(start) = start else {
        return Err(PatchError {
            line: 1,
            message: format!("the patch is empty; expected '{BEGIN}'"),
        });
    };
    let end = lines
        .iter()
        .rposition(|(_, l)| !l.trim().is_empty())
        .unwrap_or(start);
    let lines = &lines[start..=end];

    let (first_no, first) = lines[0];
    if first.trim() != BEGIN {
        return Err(PatchError {
            line: first_no,
            message: format!("expected '{BEGIN}', found {}", describe(first)),
        });
    }
    let (last_no, last) = lines[lines.len() - 1];
    if lines.len() < 2 || last.trim() != END {
        return Err(PatchError {
            line: last_no,
            message: format!("the patch does not end with '{END}'"),
        });
    }
    let body = &lines[1..lines.len() - 1];

    let mut edits = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let (no, line) = body[i];
        let header = line.trim_start();
        if let Some(path) = header.strip_prefix(ADD) {
            let path = file_path(path, no)?;
            i += 1;
            let mut content = String::new();
            while i < body.len() && !is_file_header(body[i].1) {
                let (no, l) = body[i];
                match l.strip_prefix('+') {
                    Some(rest) => content.push_str(rest),
                    // An empty line inside an added file: read it as an empty line.
                    None if l.is_empty() => {}
                    None => {
                        return Err(PatchError {
                            line: no,
                            message: format!(
                                "in '{ADD}{}': every line of an added file starts with '+'",
                                path.display()
                            ),
                        })
                    }
                }
                content.push('\n');
                i += 1;
            }
            edits.push(FileEdit {
                path,
                op: EditOp::Write(content),
            });
        } else if let Some(path) = header.strip_prefix(DELETE) {
            let path = file_path(path, no)?;
            edits.push(FileEdit {
                path,
                op: EditOp::Delete,
            });
            i += 1;
        } else if let Some(path) = header.strip_prefix(UPDATE) {
            let path = file_path(path, no)?;
            i += 1;
            let mut move_to = None;
            if i < body.len() {
                if let Some(dest) = body[i].1.trim_start().strip_prefix(MOVE) {
                    move_to = Some(file_path(dest, body[i].0)?);
                    i += 1;
                }
            }
            let (hunks, next) = read_hunks(body, i)?;
            if hunks.is_empty() && move_to.is_none() {
                return Err(PatchError {
                    line: no,
                    message: format!("'{UPDATE}{}' has no hunks", path.display()),
                });
            }
            i = next;
            edits.push(FileEdit {
                path,
                op: EditOp::PatchUpdate { hunks, move_to },
            });
        } else if line.trim().is_empty() {
            i += 1;
        } else {
            return Err(PatchError {
                line: no,
                message: format!(
                    "expected '{ADD}', '{DELETE}' or '{UPDATE}', found {}",
                    describe(line)
                ),
            });
        }
    }
    if edits.is_empty() {
        return Err(PatchError {
            line: last_no,
            message: "the patch changes no file".to_string(),
        });
    }
    Ok(edits)
}

/// The hunks of one `Update File`, from `body[i]` up to the next file header; returns them and
/// the index of that header.
fn read_hunks(body: &[(usize, &str)], mut i: usize) -> Result<(Vec<PatchHunk>, usize), PatchError> {
    let mut hunks: Vec<PatchHunk> = Vec::new();
    let mut current: Option<PatchHunk> = None;
    while i < body.len() && !is_file_header(body[i].1) {
        let (no, line) = body[i];
        i += 1;
        if let Some(rest) = line.strip_prefix("@@") {
            let anchor = rest.trim();
            let anchor = (!anchor.is_empty()).then(|| anchor.to_string());
            match current.take() {
                // `@@ a` then `@@ b`: keep `a` as a hunk that only moves the place.
                Some(h) if h.lines.is_empty() && h.anchor.is_some() => hunks.push(h),
                Some(h) if h.lines.is_empty() => {}
                Some(h) => hunks.push(h),
                None => {}
            }
            current = Some(PatchHunk {
                anchor,
                lines: Vec::new(),
            });
            continue;
        }
        if line.trim() == EOF_MARK {
            if let Some(h) = current.take() {
                if !h.lines.is_empty() || h.anchor.is_some() {
                    hunks.push(h);
                }
            }
            continue;
        }
        let parsed = match line.chars().next() {
            Some(' ') => PatchLine::Context(line[1..].to_string()),
            Some('-') => PatchLine::Remove(line[1..].to_string()),
            Some('+') => PatchLine::Add(line[1..].to_string()),
            // The real tool reads a line with no marker at all as an empty context line.
            None => PatchLine::Context(String::new()),
            Some(_) => {
                return Err(PatchError {
                    line: no,
                    message: format!(
                        "a hunk line starts with ' ', '-' or '+', found {}",
                        describe(line)
                    ),
                })
            }
        };
        current
            .get_or_insert_with(|| PatchHunk {
                anchor: None,
                lines: Vec::new(),
            })
            .lines
            .push(parsed);
    }
    if let Some(h) = current {
        if !h.lines.is_empty() || h.anchor.is_some() {
            hunks.push(h);
        }
    }
    Ok((hunks, i))
}

/// A file header starts at the beginning of its line (a hunk's context line starts with a space,
/// so one that quotes a header is not taken for one).
fn is_file_header(line: &str) -> bool {
    line.starts_with(ADD) || line.starts_with(DELETE) || line.starts_with(UPDATE)
}

fn file_path(raw: &str, line: usize) -> Result<PathBuf, PatchError> {
    let p = raw.trim();
    if p.is_empty() {
        return Err(PatchError {
            line,
            message: "a file header names no path".to_string(),
        });
    }
    Ok(PathBuf::from(p))
}

/// Strip `apply_patch <<'EOF'` ... `EOF` around the body, if it is there.
fn unwrap_heredoc<'a>(lines: &[(usize, &'a str)]) -> Vec<(usize, &'a str)> {
    let Some(first) = lines.iter().position(|(_, l)| !l.trim().is_empty()) else {
        return lines.to_vec();
    };
    let opener = lines[first].1.trim();
    let is_opener = (opener.contains("apply_patch") || opener.contains("applypatch"))
        && opener.contains("<<")
        && opener != BEGIN;
    if !is_opener {
        return lines.to_vec();
    }
    let after = &opener[opener.find("<<").map_or(0, |p| p + 2)..];
    let delim: String = after
        .trim_start_matches('-')
        .trim()
        .trim_matches(|c| c == '\'' || c == '"')
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '\'' && *c != '"')
        .collect();
    let rest = &lines[first + 1..];
    let close = if delim.is_empty() {
        None
    } else {
        rest.iter().rposition(|(_, l)| l.trim() == delim)
    };
    match close {
        Some(c) => rest[..c].to_vec(),
        None => rest.to_vec(),
    }
}

/// A line named in an error, without its text: a patch line may hold the very secret the
/// check is for, and an error message goes to the agent, the user and the logs unmasked.
fn describe(line: &str) -> String {
    match line.trim().chars().next() {
        None => "an empty line".to_string(),
        Some(c) => format!(
            "a line starting with {c:?} ({} characters)",
            line.chars().count()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(s: &str) -> PatchLine {
        PatchLine::Context(s.to_string())
    }
    fn rm(s: &str) -> PatchLine {
        PatchLine::Remove(s.to_string())
    }
    fn add(s: &str) -> PatchLine {
        PatchLine::Add(s.to_string())
    }

    #[test]
    fn add_delete_update_and_move() {
        let patch = [
            "*** Begin Patch",
            "*** Add File: app/new.py",
            "+import os",
            "+TOKEN = os.environ['TOKEN']",
            "*** Delete File: app/old.py",
            "*** Update File: app/settings.py",
            "*** Move to: app/config.py",
            "@@ class Settings:",
            "     debug = False",
            "-    secret = 'x'",
            "+    secret = os.environ['SECRET']",
            "*** End Patch",
            "",
        ]
        .join("\n");
        let patch = patch.as_str();
        let edits = parse(patch).unwrap();
        assert_eq!(edits.len(), 3);
        assert_eq!(edits[0].path, PathBuf::from("app/new.py"));
        assert_eq!(
            edits[0].op,
            EditOp::Write("import os\nTOKEN = os.environ['TOKEN']\n".into())
        );
        assert_eq!(edits[1].op, EditOp::Delete);
        assert_eq!(
            edits[2].op,
            EditOp::PatchUpdate {
                hunks: vec![PatchHunk {
                    anchor: Some("class Settings:".into()),
                    lines: vec![
                        ctx("    debug = False"),
                        rm("    secret = 'x'"),
                        add("    secret = os.environ['SECRET']"),
                    ],
                }],
                move_to: Some(PathBuf::from("app/config.py")),
            }
        );
    }

    #[test]
    fn first_hunk_without_header_and_several_hunks() {
        let patch = "*** Begin Patch\n*** Update File: a.txt\n one\n-two\n+2\n@@\n three\n-four\n+4\n*** End of File\n*** End Patch";
        let edits = parse(patch).unwrap();
        let EditOp::PatchUpdate { hunks, move_to } = &edits[0].op else {
            panic!("not an update")
        };
        assert!(move_to.is_none());
        assert_eq!(hunks.len(), 2);
        assert_eq!(hunks[0].anchor, None);
        assert_eq!(hunks[0].lines, vec![ctx("one"), rm("two"), add("2")]);
        assert_eq!(hunks[1].lines, vec![ctx("three"), rm("four"), add("4")]);
    }

    #[test]
    fn consecutive_anchors_become_a_moving_hunk() {
        let patch = "*** Begin Patch\n*** Update File: a.py\n@@ class A:\n@@     def f(self):\n-        return 1\n+        return 2\n*** End Patch\n";
        let edits = parse(patch).unwrap();
        let EditOp::PatchUpdate { hunks, .. } = &edits[0].op else {
            panic!("not an update")
        };
        assert_eq!(hunks.len(), 2);
        assert_eq!(hunks[0].anchor.as_deref(), Some("class A:"));
        assert!(hunks[0].lines.is_empty());
        assert_eq!(hunks[1].anchor.as_deref(), Some("def f(self):"));
    }

    #[test]
    fn heredoc_and_crlf() {
        let patch = "apply_patch <<'EOF'\r\n*** Begin Patch\r\n*** Add File: x.txt\r\n+hi\r\n*** End Patch\r\nEOF\r\n";
        let edits = parse(patch).unwrap();
        assert_eq!(edits[0].op, EditOp::Write("hi\n".into()));
        let patch =
            "applypatch << \"PATCH\"\n*** Begin Patch\n*** Delete File: y\n*** End Patch\nPATCH\n";
        assert_eq!(parse(patch).unwrap()[0].op, EditOp::Delete);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("hello\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("Begin Patch"), "{e}");

        let e = parse("*** Begin Patch\n*** Add File: a\n+x\n").unwrap_err();
        assert!(e.message.contains("End Patch"), "{e}");

        let e =
            parse("*** Begin Patch\n*** Update File: a\n one\n?bad\n*** End Patch\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.to_string().starts_with("apply_patch line 4:"), "{e}");

        let e = parse("*** Begin Patch\n*** Frobnicate: a\n*** End Patch\n").unwrap_err();
        assert_eq!(e.line, 2);

        let e = parse("*** Begin Patch\n*** Update File: a\n*** End Patch\n").unwrap_err();
        assert!(e.message.contains("no hunks"), "{e}");

        let e = parse("*** Begin Patch\n*** End Patch\n").unwrap_err();
        assert!(e.message.contains("no file"), "{e}");

        let e = parse("*** Begin Patch\n*** Add File:   \n*** End Patch\n").unwrap_err();
        assert_eq!(e.line, 2);

        let e = parse("*** Begin Patch\n*** Add File: a\nno plus\n*** End Patch\n").unwrap_err();
        assert_eq!(e.line, 3);

        assert!(parse("").is_err());
        assert!(parse("\n\n").is_err());
        assert!(parse("*** Begin Patch").is_err());
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "*** Begin Patch\n@@\n*** End Patch",
            "*** Begin Patch\n*** Update File: a\n@@\n*** End Patch",
            "*** Begin Patch\n*** Update File: a\n*** Move to: b\n*** End Patch",
            "apply_patch <<\n",
            "apply_patch <<'EOF'\nEOF",
            "*** Begin Patch\n*** Update File: a\n-é\n+ü\n*** End of File\n*** End of File\n*** End Patch",
            "\u{feff}*** Begin Patch\n*** End Patch",
        ] {
            let _ = parse(s);
        }
        // A move without hunks is a rename.
        let edits =
            parse("*** Begin Patch\n*** Update File: a\n*** Move to: b\n*** End Patch").unwrap();
        assert_eq!(
            edits[0].op,
            EditOp::PatchUpdate {
                hunks: vec![],
                move_to: Some(PathBuf::from("b"))
            }
        );
    }
}
