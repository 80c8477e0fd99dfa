//! Redaction: a found secret never leaves diffward in full. Findings carry a short prefix and the
//! length; snippets have the rest of the secret replaced with `*`, so columns stay right.

use crate::finding::RedactedSecret;

/// How many leading characters of a secret are shown: enough to tell a `ghp_` from an `AKIA`,
/// never more than a quarter of it.
fn prefix_len(len: usize) -> usize {
    (len / 4).min(4)
}

pub fn describe(secret: &str) -> RedactedSecret {
    let len = secret.chars().count();
    RedactedSecret {
        prefix: secret.chars().take(prefix_len(len)).collect(),
        length: len,
    }
}

/// `text` with the bytes `start..end` (a secret) masked after its prefix. Each masked character
/// becomes as many `*` as it has bytes, so byte offsets into the text stay valid.
pub fn mask(text: &str, start: usize, end: usize) -> String {
    let secret = &text[start..end];
    let keep = prefix_len(secret.chars().count());
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    for (i, c) in secret.chars().enumerate() {
        if i < keep || c == '\n' || c == '\r' {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n('*', c.len_utf8()));
        }
    }
    out.push_str(&text[end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_a_short_prefix() {
        // Built at run time so the source holds no key-shaped string.
        let fake = format!("AKIA{}", "ZZZZTESTFAKE1234");
        let s = format!("key = '{fake}'");
        let m = mask(&s, 7, 27);
        assert_eq!(m, "key = 'AKIA****************'");
        assert_eq!(describe(&fake).to_string(), "AKIA… (20 chars)");
        assert_eq!(describe("abc").prefix, "");
    }
}
