//! Redaction: a found secret never leaves diffward in full. Findings carry a short prefix and the
//! length; snippets have the rest of the secret replaced with `*`, so columns stay right.

use crate::finding::RedactedSecret;

/// How many leading characters of a secret are shown: enough to tell a `ghp_` from an `AKIA`,
/// never more than a quarter of it.
pub fn prefix_len(len: usize) -> usize {
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

/// Values shorter than this are not searched for elsewhere: a three-letter "secret" would mask
/// ordinary words all over a report.
const MIN_VALUE_LEN: usize = 6;

/// The occurrences of `value` in `text` that stand on their own: not inside a longer word (a
/// password `postgres` is masked in `postgres://u:postgres@db`, not in `postgresql`).
fn occurrences<'a>(text: &'a str, value: &'a str) -> impl Iterator<Item = usize> + 'a {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let starts_word = word(value.chars().next());
    let ends_word = word(value.chars().next_back());
    text.match_indices(value).map(|(i, _)| i).filter(move |&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + value.len()..].chars().next();
        !(starts_word && word(before) || ends_word && word(after))
    })
}

/// `text` with every free-standing occurrence of every value masked as `mask` does (byte
/// lengths kept, so offsets into the text stay valid).
pub fn mask_values(text: &str, values: &[String]) -> String {
    let mut out = text.to_string();
    for v in values.iter().filter(|v| v.len() >= MIN_VALUE_LEN) {
        let hits: Vec<usize> = occurrences(&out, v).collect();
        for i in hits {
            out = mask(&out, i, i + v.len());
        }
    }
    out
}

/// `text` with every free-standing occurrence of every value replaced by its description
/// (`AKIA… (20 chars)`), for messages.
pub fn describe_values(text: &str, values: &[String]) -> String {
    let mut out = text.to_string();
    for v in values.iter().filter(|v| v.len() >= MIN_VALUE_LEN) {
        if occurrences(&out, v).next().is_none() {
            continue;
        }
        let hits: Vec<usize> = occurrences(&out, v).collect();
        let d = describe(v).to_string();
        for i in hits.into_iter().rev() {
            out.replace_range(i..i + v.len(), &d);
        }
    }
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

    #[test]
    fn every_free_standing_occurrence_is_masked_but_not_longer_words() {
        let values = vec!["postgres".to_string()];
        assert_eq!(
            mask_values("url = postgres://app:postgres@db", &values),
            "url = po******://app:po******@db"
        );
        assert_eq!(
            mask_values("engine: postgresql", &values),
            "engine: postgresql"
        );
        assert_eq!(
            describe_values("uses postgresql, password postgres", &values),
            "uses postgresql, password po… (8 chars)"
        );
    }
}
