//! The text a finding shows: its snippet (for JSON and SARIF) and a few lines of context around
//! it (for human output), cut from one side of a file with every secret of that side masked, and
//! with long lines (minified bundles, data on one line) clipped to a window around the match, so
//! a 50 MB line never becomes a 50 MB snippet.

use super::text::{floor_boundary, SideText};
use crate::redact;

/// Lines of context shown around a finding in human output.
pub const CONTEXT_LINES: u32 = 2;
/// At most this many lines of a long match go into a snippet.
pub const MAX_SNIPPET_LINES: u32 = 8;
/// A line longer than this many bytes is clipped to a window of about this size.
pub const MAX_LINE_BYTES: usize = 240;
/// How much of a clipped line is kept before the match.
const LEAD_BYTES: usize = 80;
/// Marks where a clipped line was cut.
pub const ELLIPSIS: &str = "…";

/// Source lines around a finding, redacted and clipped, for human output.
#[derive(Debug, Clone)]
pub struct SnippetContext {
    /// 1-based line of the first line of `text`.
    pub first_line: u32,
    pub text: String,
    /// The highlighted byte range inside `text`.
    pub highlight: (usize, usize),
}

/// A cut of some lines.
pub struct Cut {
    pub text: String,
    /// Where `focus` (a byte range of the side) landed inside `text`.
    pub focus: (usize, usize),
    /// Some line was clipped.
    pub truncated: bool,
}

/// The lines `first..=last` of a side, with `secret` and every secret found in the side masked,
/// each line longer than `MAX_LINE_BYTES` clipped around `focus` (or to its start).
pub fn cut(
    text: &SideText,
    first: u32,
    last: u32,
    secret: Option<(usize, usize)>,
    focus: (usize, usize),
) -> Cut {
    let secrets: Vec<(usize, usize)> = secret
        .into_iter()
        .chain(text.secrets.iter().copied())
        .collect();
    let mut out = String::new();
    let mut truncated = false;
    let (mut f0, mut f1) = (None, None);
    for line in first..=last {
        let (ls, le) = text.line_range(line);
        if line > first {
            out.push('\n');
        }
        let (a, b) = window(&text.text, ls, le, focus);
        if a > ls {
            out.push_str(ELLIPSIS);
        }
        let here = out.len();
        out.push_str(&masked(&text.text, a, b, &secrets));
        if b < le {
            out.push_str(ELLIPSIS);
        }
        truncated |= a > ls || b < le;
        let place = |p: usize| (a..=b).contains(&p).then(|| here + (p - a));
        if f0.is_none() {
            f0 = place(focus.0.max(a).min(b)).filter(|_| focus.0 <= b);
        }
        if focus.1 >= a {
            f1 = place(focus.1.min(b)).or(f1);
        }
    }
    let f0 = f0.unwrap_or(0).min(out.len());
    let f1 = f1.unwrap_or(f0).clamp(f0, out.len());
    Cut {
        text: out,
        focus: (f0, f1),
        truncated,
    }
}

/// The part of the line `ls..le` to show: all of it when short, else a window around `focus`
/// when the focus starts on it, else its beginning.
fn window(text: &str, ls: usize, le: usize, focus: (usize, usize)) -> (usize, usize) {
    if le - ls <= MAX_LINE_BYTES {
        return (ls, le);
    }
    let start = if (ls..=le).contains(&focus.0) {
        floor_boundary(text, focus.0.saturating_sub(LEAD_BYTES).max(ls))
    } else {
        ls
    };
    let end = floor_boundary(text, (start + MAX_LINE_BYTES).min(le)).max(start);
    (start, end)
}

/// `text[a..b]` with the parts of `secrets` inside it masked: a secret keeps its own short
/// prefix (counted from the secret's start, wherever the cut begins), never more.
fn masked(text: &str, a: usize, b: usize, secrets: &[(usize, usize)]) -> String {
    let mut bytes = text[a..b].to_string().into_bytes();
    for &(s, e) in secrets {
        let (s, e) = (s.min(text.len()), e.min(text.len()));
        if e <= a || s >= b || s >= e {
            continue;
        }
        let secret = &text[s..e];
        let keep = redact::prefix_len(secret.chars().count());
        let prefix_end = s + secret.chars().take(keep).map(char::len_utf8).sum::<usize>();
        let from = floor_boundary(text, prefix_end.max(a));
        let to = e.min(b);
        if from >= to {
            continue;
        }
        for (i, c) in text[from..to].char_indices() {
            if c == '\n' || c == '\r' {
                continue;
            }
            let at = from + i - a;
            for k in 0..c.len_utf8() {
                bytes[at + k] = b'*';
            }
        }
    }
    // Whole characters were replaced by as many ASCII bytes: still UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

/// The lines around `region_first..=region_last` for human output, with `hl` highlighted.
pub fn context(
    text: &SideText,
    region_first: u32,
    region_last: u32,
    hl: (usize, usize),
    secret: Option<(usize, usize)>,
) -> (SnippetContext, bool) {
    let first = region_first.saturating_sub(CONTEXT_LINES);
    let last_line = text.line_count().max(1) - 1;
    let last = (region_last + CONTEXT_LINES)
        .min(last_line)
        .max(region_last.min(last_line));
    let c = cut(text, first, last, secret, hl);
    (
        SnippetContext {
            first_line: first + 1,
            text: c.text,
            highlight: c.focus,
        },
        c.truncated,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_clipped_around_the_match() {
        let mut line = "x".repeat(100_000);
        line.push_str("NEEDLE");
        line.push_str(&"y".repeat(100_000));
        let t = SideText::new(format!("short\n{line}\nend\n"));
        let at = 6 + 100_000;
        let c = cut(&t, 0, 2, None, (at, at + 6));
        assert!(c.truncated);
        assert!(c.text.len() < 2 * MAX_LINE_BYTES, "{}", c.text.len());
        assert_eq!(&c.text[c.focus.0..c.focus.1], "NEEDLE");
        assert!(c.text.starts_with("short\n…x"));
        assert!(c.text.ends_with("…\nend"));
    }

    #[test]
    fn a_secret_cut_by_the_window_keeps_only_its_own_prefix() {
        let secret = format!("SECRETPREFIX{}", "abcdefgh".repeat(40));
        let mut t = SideText::new(format!("k = '{secret}'\n"));
        t.secrets.push((5, 5 + secret.len()));
        let at = 5 + 300;
        let c = cut(&t, 0, 0, None, (at, at + 2));
        assert!(!c.text.contains("abcd"), "{}", c.text);
        assert!(!c.text.contains("SECR"), "the prefix is outside the window");
        let c = cut(&t, 0, 0, None, (5, 9));
        assert!(c.text.contains("SECR*"), "{}", c.text);
    }

    #[test]
    fn short_text_is_unchanged() {
        let t = SideText::new("a = 1\nb = 2\n".into());
        let c = cut(&t, 0, 1, None, (6, 11));
        assert_eq!(c.text, "a = 1\nb = 2");
        assert_eq!(c.focus, (6, 11));
        assert!(!c.truncated);
    }
}
