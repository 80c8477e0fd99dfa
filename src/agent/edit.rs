//! Applying an edit to a file's text: what the file would hold after the agent's tool ran.
//!
//! The rules follow the agents' own tools, so that an edit the tool would refuse is reported as
//! `Inapplicable` (diffward then lets the call through: the tool fails and tells the agent why):
//!
//! - Replacements (Claude Code `Edit`/`MultiEdit`, Cursor `StrReplace`, Copilot `edit`, Gemini
//!   `replace`) apply in order, each to the text the one before left. Without `replace_all`
//!   the old text must occur exactly once (Claude Code's Edit refuses an ambiguous match, and
//!   Gemini's `replace` expects one occurrence unless told otherwise); with `expected` the count
//!   must be exactly that. An empty old text on a file that does not exist creates it (Gemini's
//!   `replace` creates a file this way; for Claude Code's Edit it is the observed convention,
//!   e.g. anthropics/claude-code issue 3420, not a documented rule); on a file that exists it
//!   is accepted only when the file is empty. Identical old and new text is refused, as both
//!   tools refuse it.
//! - Deleting or patching a file that does not exist is `Inapplicable`.
//! - A patch's hunks apply in order, each found at or after the place the previous one left,
//!   after its anchor line when it names one. Lines compare exactly first, then ignoring
//!   trailing whitespace, then ignoring whitespace at both ends, as Codex's own apply_patch
//!   does. A hunk with no context or removed lines adds its lines at the end of the file (the
//!   real tool's rule, too). The file keeps its line endings (CRLF stays CRLF) and its final
//!   newline, or its lack of one.

use super::{EditOp, PatchHunk, PatchLine, Replacement};

/// The file after the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The file's new text.
    Text(String),
    /// The file is gone.
    Deleted,
    /// The agent's tool would refuse this edit, for the reason given.
    Inapplicable(String),
}

/// Apply `op` to a file whose current text is `old` (`None`: the file does not exist).
pub fn apply(old: Option<&str>, op: &EditOp) -> Applied {
    match op {
        EditOp::Write(content) => Applied::Text(content.clone()),
        EditOp::Delete => match old {
            Some(_) => Applied::Deleted,
            None => Applied::Inapplicable("the file to delete does not exist".to_string()),
        },
        EditOp::Replace(replacements) => apply_replacements(old, replacements),
        EditOp::PatchUpdate { hunks, .. } => match old {
            Some(text) => apply_hunks(text, hunks),
            None => Applied::Inapplicable("the file to update does not exist".to_string()),
        },
        EditOp::Fragment(_) => {
            Applied::Inapplicable("the agent's tool places this text itself".to_string())
        }
    }
}

fn apply_replacements(old: Option<&str>, replacements: &[Replacement]) -> Applied {
    let mut text: Option<String> = old.map(str::to_string);
    for (i, r) in replacements.iter().enumerate() {
        let which = if replacements.len() > 1 {
            format!("edit {} of {}: ", i + 1, replacements.len())
        } else {
            String::new()
        };
        match replace_one(text.as_deref(), r) {
            Ok(next) => text = Some(next),
            Err(why) => return Applied::Inapplicable(format!("{which}{why}")),
        }
    }
    match text {
        Some(t) => Applied::Text(t),
        // No replacements at all on a missing file: nothing would be written.
        None => Applied::Inapplicable("the file does not exist and no edit creates it".into()),
    }
}

fn replace_one(text: Option<&str>, r: &Replacement) -> Result<String, String> {
    if r.old.is_empty() {
        return match text {
            None => Ok(r.new.clone()),
            Some("") => Ok(r.new.clone()),
            Some(_) => Err("the old text is empty but the file already has content".into()),
        };
    }
    let Some(text) = text else {
        return Err("the file does not exist".into());
    };
    if r.old == r.new {
        return Err("the old and new text are the same".into());
    }
    let count = text.matches(r.old.as_str()).count();
    if count == 0 {
        // The agents' tools match more loosely than byte for byte; where the old text occurs
        // once when line endings, trailing blanks, and typographic quotes and dashes are set
        // aside, that is where the tool will put the new text.
        if !r.replace_all && r.expected.is_none_or(|e| e == 1) {
            if let Some((s, e)) = find_loosely(text, &r.old) {
                return Ok(format!("{}{}{}", &text[..s], r.new, &text[e..]));
            }
        }
        return Err(format!(
            "the old text is not in the file: {}",
            preview(&r.old)
        ));
    }
    if let Some(expected) = r.expected {
        if count != expected {
            return Err(format!(
                "expected {expected} occurrence{} of the old text, found {count}",
                if expected == 1 { "" } else { "s" }
            ));
        }
        return Ok(text.replace(r.old.as_str(), &r.new));
    }
    if r.replace_all {
        return Ok(text.replace(r.old.as_str(), &r.new));
    }
    if count > 1 {
        return Err(format!(
            "the old text occurs {count} times and replace_all is not set: {}",
            preview(&r.old)
        ));
    }
    Ok(text.replacen(r.old.as_str(), &r.new, 1))
}

/// A text with what loose matching sets aside removed or folded (`\r`, blanks before a line
/// end, curly quotes, dashes, non-breaking spaces), and for each byte kept its offset in the
/// original.
fn normalized(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut at = Vec::with_capacity(s.len());
    let mut pending: Vec<(usize, char)> = Vec::new(); // blanks not yet known to end a line
    let push = |out: &mut String, at: &mut Vec<usize>, i: usize, c: char| {
        let before = out.len();
        out.push(c);
        at.extend(std::iter::repeat_n(i, out.len() - before));
    };
    for (i, c) in s.char_indices() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => '"',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{a0}' | '\u{2007}' | '\u{202f}' => ' ',
            '\r' => continue,
            c => c,
        };
        match c {
            ' ' | '\t' => pending.push((i, c)),
            '\n' => {
                pending.clear();
                push(&mut out, &mut at, i, c);
            }
            c => {
                for (j, b) in pending.drain(..) {
                    push(&mut out, &mut at, j, b);
                }
                push(&mut out, &mut at, i, c);
            }
        }
    }
    for (j, b) in pending {
        push(&mut out, &mut at, j, b);
    }
    at.push(s.len());
    (out, at)
}

/// The byte range of `old` in `text` under loose matching, when it occurs exactly once.
fn find_loosely(text: &str, old: &str) -> Option<(usize, usize)> {
    let (t, at) = normalized(text);
    let (o, _) = normalized(old);
    let o = o.trim_end_matches([' ', '\t']);
    if o.trim().is_empty() {
        return None;
    }
    let mut found = t.match_indices(o);
    let (s, _) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let end = s + o.len();
    Some((
        at[s],
        if end < at.len() - 1 {
            at[end]
        } else {
            text.len()
        },
    ))
}

fn preview(s: &str) -> String {
    const MAX: usize = 60;
    let one_line = s.replace('\r', "").replace('\n', "\\n");
    if one_line.chars().count() <= MAX {
        format!("'{one_line}'")
    } else {
        let cut: String = one_line.chars().take(MAX).collect();
        format!("'{cut}...'")
    }
}

fn apply_hunks(text: &str, hunks: &[PatchHunk]) -> Applied {
    let crlf = text.contains("\r\n");
    let final_newline = text.ends_with('\n');
    let mut lines: Vec<String> = if text.is_empty() {
        Vec::new()
    } else {
        let body = text.strip_suffix('\n').unwrap_or(text);
        body.split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
            .collect()
    };

    let mut cursor = 0usize;
    for (n, hunk) in hunks.iter().enumerate() {
        let which = if hunks.len() > 1 {
            format!("hunk {} of {}: ", n + 1, hunks.len())
        } else {
            String::new()
        };
        if let Some(anchor) = &hunk.anchor {
            match seek(&lines, std::slice::from_ref(anchor), cursor) {
                Some(at) => cursor = at + 1,
                None => {
                    return Applied::Inapplicable(format!(
                        "{which}the anchor line is not in the file: {}",
                        preview(anchor)
                    ))
                }
            }
        }
        let mut before: Vec<String> = Vec::new();
        let mut after: Vec<String> = Vec::new();
        for line in &hunk.lines {
            match line {
                PatchLine::Context(l) => {
                    before.push(l.clone());
                    after.push(l.clone());
                }
                PatchLine::Remove(l) => before.push(l.clone()),
                PatchLine::Add(l) => after.push(l.clone()),
            }
        }
        if before.is_empty() {
            if after.is_empty() {
                continue; // an anchor alone: it only moves the place
            }
            let at = lines.len();
            cursor = at + after.len();
            lines.extend(after);
            continue;
        }
        let mut found = seek(&lines, &before, cursor);
        // A trailing empty context line the file lacks (the patch's last line break) is
        // forgiven, as the real tool forgives it.
        if found.is_none() && before.last().is_some_and(|l| l.is_empty()) {
            before.pop();
            if after.last().is_some_and(|l| l.is_empty()) {
                after.pop();
            }
            if !before.is_empty() {
                found = seek(&lines, &before, cursor);
            }
        }
        let Some(at) = found else {
            let first = before.first().map(String::as_str).unwrap_or_default();
            return Applied::Inapplicable(format!(
                "{which}its lines are not in the file (from {})",
                preview(first)
            ));
        };
        let end = at + before.len();
        let added = after.len();
        lines.splice(at..end, after);
        cursor = at + added;
    }

    let eol = if crlf { "\r\n" } else { "\n" };
    let mut out = lines.join(eol);
    if final_newline && !lines.is_empty() {
        out.push_str(eol);
    }
    Applied::Text(out)
}

/// Where `pattern` first occurs in `lines` at or after `from`: exact lines first, then ignoring
/// trailing whitespace, then ignoring whitespace at both ends.
fn seek(lines: &[String], pattern: &[String], from: usize) -> Option<usize> {
    if pattern.is_empty() || pattern.len() > lines.len() || from > lines.len() - pattern.len() {
        return None;
    }
    let passes: [fn(&str, &str) -> bool; 3] = [
        |a, b| a == b,
        |a, b| a.trim_end() == b.trim_end(),
        |a, b| a.trim() == b.trim(),
    ];
    for same in passes {
        let hit = (from..=lines.len() - pattern.len()).find(|&i| {
            lines[i..i + pattern.len()]
                .iter()
                .zip(pattern)
                .all(|(a, b)| same(a, b))
        });
        if hit.is_some() {
            return hit;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::apply_patch;

    fn rep(old: &str, new: &str) -> Replacement {
        Replacement {
            old: old.into(),
            new: new.into(),
            replace_all: false,
            expected: None,
        }
    }

    fn text(a: Applied) -> String {
        match a {
            Applied::Text(t) => t,
            other => panic!("expected text, got {other:?}"),
        }
    }

    fn why(a: Applied) -> String {
        match a {
            Applied::Inapplicable(w) => w,
            other => panic!("expected inapplicable, got {other:?}"),
        }
    }

    fn patched(old: &str, patch: &str) -> Applied {
        let edits = apply_patch::parse(patch).unwrap();
        apply(Some(old), &edits[0].op)
    }

    #[test]
    fn write_and_delete() {
        assert_eq!(
            apply(None, &EditOp::Write("x\n".into())),
            Applied::Text("x\n".into())
        );
        assert_eq!(
            apply(Some("y"), &EditOp::Write("x".into())),
            Applied::Text("x".into())
        );
        assert_eq!(apply(Some("y"), &EditOp::Delete), Applied::Deleted);
        assert!(why(apply(None, &EditOp::Delete)).contains("does not exist"));
    }

    #[test]
    fn replace_first_unique() {
        let op = EditOp::Replace(vec![rep("DEBUG = True", "DEBUG = False")]);
        assert_eq!(
            text(apply(Some("DEBUG = True\nX = 1\n"), &op)),
            "DEBUG = False\nX = 1\n"
        );
    }

    #[test]
    fn replace_ambiguous_without_replace_all_is_inapplicable() {
        let op = EditOp::Replace(vec![rep("a", "b")]);
        let w = why(apply(Some("a a a"), &op));
        assert!(w.contains("3 times"), "{w}");
    }

    #[test]
    fn replace_all_and_expected_counts() {
        let mut r = rep("a", "b");
        r.replace_all = true;
        assert_eq!(
            text(apply(Some("a a a"), &EditOp::Replace(vec![r]))),
            "b b b"
        );

        let mut r = rep("a", "b");
        r.expected = Some(3);
        assert_eq!(
            text(apply(Some("a a a"), &EditOp::Replace(vec![r]))),
            "b b b"
        );

        let mut r = rep("a", "b");
        r.expected = Some(2);
        let w = why(apply(Some("a a a"), &EditOp::Replace(vec![r])));
        assert!(
            w.contains("expected 2 occurrences") && w.contains("found 3"),
            "{w}"
        );

        let mut r = rep("a", "b");
        r.expected = Some(usize::MAX);
        assert!(why(apply(Some("a"), &EditOp::Replace(vec![r]))).contains("expected"));
    }

    #[test]
    fn missing_old_text() {
        let w = why(apply(Some("abc"), &EditOp::Replace(vec![rep("zzz", "y")])));
        assert!(w.contains("not in the file") && w.contains("zzz"), "{w}");
        let w = why(apply(None, &EditOp::Replace(vec![rep("zzz", "y")])));
        assert!(w.contains("does not exist"), "{w}");
        let w = why(apply(
            Some("same"),
            &EditOp::Replace(vec![rep("same", "same")]),
        ));
        assert!(w.contains("same"), "{w}");
    }

    #[test]
    fn old_text_is_placed_loosely_as_the_agents_tools_place_it() {
        let text = "def get(u):\r\n    return requests.get(u, timeout=5)   \r\n\r\nx = \u{201c}a\u{201d}\n";
        // CRLF and trailing blanks in the file, none in the old text.
        let r = rep(
            "def get(u):\n    return requests.get(u, timeout=5)\n",
            "def get(u):\n    return requests.get(u, verify=False)\n",
        );
        match apply(Some(text), &EditOp::Replace(vec![r])) {
            Applied::Text(t) => {
                assert!(t.contains("verify=False"), "{t}");
                assert!(
                    t.ends_with("x = \u{201c}a\u{201d}\n"),
                    "the rest is kept: {t:?}"
                );
                assert_eq!(t.matches("def get").count(), 1, "{t}");
            }
            other => panic!("{other:?}"),
        }
        // Typographic quotes in the file, straight ones in the old text.
        match apply(
            Some(text),
            &EditOp::Replace(vec![rep("x = \"a\"", "x = \"b\"")]),
        ) {
            Applied::Text(t) => assert!(t.ends_with("x = \"b\"\n"), "{t:?}"),
            other => panic!("{other:?}"),
        }
        // Loose matching that is ambiguous places nothing.
        let twice = "a = 1  \nb = 2\na = 1\n";
        let w = why(apply(
            Some(twice),
            &EditOp::Replace(vec![rep("a = 1\r\n", "a = 3\n")]),
        ));
        assert!(w.contains("not in the file"), "{w}");
    }

    #[test]
    fn empty_old_creates_a_missing_file() {
        let op = EditOp::Replace(vec![rep("", "KEY = 1\n")]);
        assert_eq!(text(apply(None, &op)), "KEY = 1\n");
        assert_eq!(text(apply(Some(""), &op)), "KEY = 1\n");
        assert!(why(apply(Some("content"), &op)).contains("already has content"));
        let mut r = rep("", "x");
        r.replace_all = true;
        assert!(matches!(
            apply(Some("abc"), &EditOp::Replace(vec![r])),
            Applied::Inapplicable(_)
        ));
    }

    #[test]
    fn multi_edit_chains_on_the_running_text() {
        let op = EditOp::Replace(vec![rep("one", "two"), rep("two", "three")]);
        assert_eq!(text(apply(Some("one\n"), &op)), "three\n");
        let op = EditOp::Replace(vec![rep("one", "two"), rep("missing", "x")]);
        let w = why(apply(Some("one\n"), &op));
        assert!(w.starts_with("edit 2 of 2:"), "{w}");
        assert!(matches!(
            apply(None, &EditOp::Replace(vec![])),
            Applied::Inapplicable(_)
        ));
    }

    #[test]
    fn patch_update_with_anchor_and_two_hunks() {
        let old = "class A:\n    x = 1\n\nclass B:\n    x = 1\n    y = 2\n";
        let patch = "*** Begin Patch\n*** Update File: m.py\n@@ class B:\n-    x = 1\n+    x = 3\n@@\n     y = 2\n+    z = 4\n*** End Patch\n";
        assert_eq!(
            text(patched(old, patch)),
            "class A:\n    x = 1\n\nclass B:\n    x = 3\n    y = 2\n    z = 4\n"
        );
    }

    #[test]
    fn patch_nested_anchors() {
        let old = "class A:\n    def f(self):\n        return 1\nclass B:\n    def f(self):\n        return 1\n";
        let patch = "*** Begin Patch\n*** Update File: m.py\n@@ class B:\n@@     def f(self):\n-        return 1\n+        return 2\n*** End Patch\n";
        assert_eq!(
            text(patched(old, patch)),
            "class A:\n    def f(self):\n        return 1\nclass B:\n    def f(self):\n        return 2\n"
        );
    }

    #[test]
    fn patch_keeps_crlf_and_missing_final_newline() {
        let old = "a\r\nb\r\nc";
        let patch = "*** Begin Patch\r\n*** Update File: f\r\n a\r\n-b\r\n+B\r\n*** End Patch\r\n";
        assert_eq!(text(patched(old, patch)), "a\r\nB\r\nc");
        let old = "a\nb";
        let patch = "*** Begin Patch\n*** Update File: f\n a\n-b\n+B\n*** End Patch\n";
        assert_eq!(text(patched(old, patch)), "a\nB");
    }

    #[test]
    fn patch_tolerates_trailing_whitespace() {
        let old = "key = 1   \nother\n";
        let patch = "*** Begin Patch\n*** Update File: f\n-key = 1\n+key = 2\n*** End Patch\n";
        assert_eq!(text(patched(old, patch)), "key = 2\nother\n");
    }

    #[test]
    fn patch_pure_addition_goes_to_the_end() {
        let old = "a\nb\n";
        let patch = "*** Begin Patch\n*** Update File: f\n@@\n+c\n*** End Patch\n";
        assert_eq!(text(patched(old, patch)), "a\nb\nc\n");
        assert_eq!(text(patched("", patch)), "c");
    }

    #[test]
    fn patch_hunk_that_does_not_match() {
        let patch = "*** Begin Patch\n*** Update File: f\n-nothere\n+x\n*** End Patch\n";
        let w = why(patched("a\nb\n", patch));
        assert!(w.contains("not in the file"), "{w}");
        let patch =
            "*** Begin Patch\n*** Update File: f\n@@ def missing():\n-a\n+x\n*** End Patch\n";
        let w = why(patched("a\nb\n", patch));
        assert!(w.contains("anchor"), "{w}");
        // Hunks apply in order: a second hunk may not match before the first.
        let patch = "*** Begin Patch\n*** Update File: f\n-b\n+B\n@@\n-a\n+A\n*** End Patch\n";
        let w = why(patched("a\nb\n", patch));
        assert!(w.starts_with("hunk 2 of 2:"), "{w}");
        let edits = apply_patch::parse(patch).unwrap();
        assert!(why(apply(None, &edits[0].op)).contains("does not exist"));
    }

    #[test]
    fn patch_add_delete_and_move() {
        let patch = "*** Begin Patch\n*** Add File: n.txt\n+new\n*** Delete File: d.txt\n*** Update File: u.txt\n*** Move to: v.txt\n-old\n+new\n*** End Patch\n";
        let edits = apply_patch::parse(patch).unwrap();
        assert_eq!(text(apply(None, &edits[0].op)), "new\n");
        assert_eq!(apply(Some("x"), &edits[1].op), Applied::Deleted);
        assert_eq!(text(apply(Some("old\n"), &edits[2].op)), "new\n");
    }

    #[test]
    fn never_panics() {
        let odd = EditOp::PatchUpdate {
            hunks: vec![
                PatchHunk {
                    anchor: Some(String::new()),
                    lines: vec![],
                },
                PatchHunk {
                    anchor: None,
                    lines: vec![PatchLine::Context(String::new())],
                },
                PatchHunk {
                    anchor: None,
                    lines: vec![PatchLine::Remove("é".into()), PatchLine::Add("ü".into())],
                },
            ],
            move_to: None,
        };
        for old in ["", "\n", "\r\n", "é", "a\n\n\n", "\n\né"] {
            let _ = apply(Some(old), &odd);
        }
    }
}
