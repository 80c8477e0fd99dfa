//! Text from the scanned change, made safe for a terminal or a CI log: control characters
//! (escape sequences that clear the screen, set titles, hide or recolour text) and the Unicode
//! bidirectional controls (which reorder what a reviewer sees) are shown as visible escapes, so
//! a hostile file name or line can neither hide a finding nor forge one.

use std::borrow::Cow;

/// Whether a character must not reach a terminal raw.
fn hostile(c: char, keep_layout: bool) -> bool {
    if keep_layout && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fn escaped(c: char) -> String {
    match c {
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        c if (c as u32) < 0x100 => format!("\\x{:02x}", c as u32),
        c => format!("\\u{{{:x}}}", c as u32),
    }
}

/// A one-line field (a path, a message, a name): every control character escaped.
pub fn line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| hostile(c, false)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if hostile(c, false) {
                    escaped(c)
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Several lines of source (newlines and tabs kept), and where the byte range `span` landed.
pub fn block(s: &str, span: (usize, usize)) -> (String, (usize, usize)) {
    if !s.chars().any(|c| hostile(c, true)) {
        return (s.to_string(), span);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let (mut a, mut b) = (None, None);
    for (i, c) in s.char_indices() {
        if i == span.0 {
            a = Some(out.len());
        }
        if i == span.1 {
            b = Some(out.len());
        }
        if hostile(c, true) {
            out.push_str(&escaped(c));
        } else {
            out.push(c);
        }
    }
    let a = a.unwrap_or(out.len());
    let b = b.unwrap_or(out.len()).max(a);
    (out, (a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(line("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(line("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(line("plain é"), "plain é");
        let (s, span) = block("k\x1b]0;t\x07 = 1\nv = 2", (7, 12));
        assert_eq!(s, "k\\x1b]0;t\\x07 = 1\nv = 2");
        assert_eq!(&s[span.0..span.1], " = 1\n");
    }
}
