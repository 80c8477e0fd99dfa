//! Values that only look like secrets: documentation writes `ABCDEFGHIJKL`, `12345678` or
//! `a1b2c3d4e5f6` where a real token would go. Random tokens practically never hold such runs
//! (eight ascending characters in a row come up about once in 64^7 positions of base64), so a
//! secret that does is dropped by rules that ask for randomness (`entropy`). A key in a
//! vendor's own format is still reported, at low confidence: it may be a real key someone typed
//! into documentation, and it is the vendor format that makes it worth a look.

/// The length of a run that marks a value as made up.
const RUN: usize = 8;

/// Whether `secret` contains a run of `RUN` ascending characters (`abcdefgh`, `34567890`), or
/// of `RUN` characters alternating between two ascending sequences (`a1b2c3d4`).
pub fn is_made_up(secret: &str) -> bool {
    let b = secret.as_bytes();
    ascending_run(b, 1) || ascending_run(b, 2)
}

/// Whether `RUN` characters, each `step` apart, ascend by one (digits wrap `9` -> `0`, as in
/// `1234567890`).
fn ascending_run(b: &[u8], step: usize) -> bool {
    if b.len() < RUN * step.max(1) - (step - 1) {
        return false;
    }
    for start in 0..b.len() {
        let mut n = 1;
        let mut i = start;
        while i + step < b.len() && next_of(b[i]) == Some(b[i + step]) {
            n += 1;
            i += step;
            if n >= RUN {
                // For interleaved runs, the characters between must ascend too.
                if step == 1 || ascending_pair_run(b, start + 1, step, RUN - 1) {
                    return true;
                }
                break;
            }
        }
    }
    false
}

fn ascending_pair_run(b: &[u8], start: usize, step: usize, len: usize) -> bool {
    (0..len - 1).all(|k| {
        let i = start + k * step;
        i + step < b.len() && next_of(b[i]) == Some(b[i + step])
    })
}

fn next_of(c: u8) -> Option<u8> {
    match c {
        b'9' => Some(b'0'),
        b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => Some(c + 1),
        _ => None,
    }
}

/// Whether a value is a template's placeholder, written for a person to replace: `changethis`
/// (a well-known FastAPI template's), `change-me`, `replace_me`, `fill-me-in`, `set-this`,
/// `your-token-here`. One list for every generic rule, so each rule need not repeat it.
pub fn is_placeholder_word(value: &str) -> bool {
    if is_iam_action(value) {
        return true;
    }
    let v: String = value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    const VERBS: [&str; 8] = [
        "change", "replace", "fill", "set", "update", "insert", "enter", "put",
    ];
    const OBJECTS: [&str; 8] = ["me", "this", "it", "here", "in", "mein", "yours", "value"];
    if VERBS.iter().any(|verb| {
        v.strip_prefix(verb)
            .is_some_and(|rest| OBJECTS.contains(&rest))
    }) {
        return true;
    }
    (v.starts_with("your") || v.starts_with("insert") || v.starts_with("put"))
        && (v.ends_with("here") || v.ends_with("goeshere"))
}

/// An IAM action (`secretsmanager:GetSecretValue`, `s3:Get*`): a policy's word, not a secret.
fn is_iam_action(value: &str) -> bool {
    let Some((service, action)) = value.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && action
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c == '*')
        && action.chars().all(|c| c.is_ascii_alphabetic() || c == '*')
}

/// Whether a name holds a reference to a secret rather than the secret: its name (`_NAME`), id,
/// ARN, path, file, URL, header or field name, or a setting about it (`_LENGTH`, `_TTL`).
/// `ALLOYDB_SECRET_NAME=alloydb-secret` names a secret in a secret manager.
pub fn names_a_reference(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let lower = lower.trim_end_matches(['"', '\'', '`', ' ']);
    const SUFFIXES: [&str; 26] = [
        "name", "names", "id", "ids", "arn", "path", "file", "filename", "url", "uri", "endpoint",
        "header", "field", "param", "version", "type", "kind", "mode", "length", "size", "ttl",
        "expiry", "region", "prefix", "dir", "location",
    ];
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let last_word = words.last().copied().unwrap_or_default();
    if words.len() > 1 && SUFFIXES.contains(&last_word) {
        return true;
    }
    // camelCase: `secretName`, `passwordFile`.
    let tail = name
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_ascii_uppercase())
        .filter(|(i, _)| *i > 0 && !name.contains('_'))
        .map(|(i, _)| name[i..].to_ascii_lowercase());
    tail.is_some_and(|t| SUFFIXES.contains(&t.as_str()))
        && name.chars().any(|c| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::is_made_up;
    use super::{is_placeholder_word, names_a_reference};

    #[test]
    fn template_placeholders_are_not_secrets() {
        for p in [
            "changethis",
            "change-me",
            "CHANGE_ME",
            "replace_me",
            "fill-me-in",
            "set-this",
            "your-token-here",
            // IAM actions in a policy's list
            "secretsmanager:DescribeSecret",
            "kms:*",
        ] {
            assert!(is_placeholder_word(p), "{p}");
        }
        for s in [
            "Zq8Kp9Ws3Hdx4Lm2",
            "changelog-2024",
            "settings",
            "user:Zq8Kp9Ws3Hdx4Lm2x",
        ] {
            assert!(!is_placeholder_word(s), "{s}");
        }
    }

    #[test]
    fn names_of_secrets_are_not_secrets() {
        for n in [
            "ALLOYDB_SECRET_NAME",
            "db_password_file",
            "secretName",
            "TOKEN_URL",
            "API_KEY_ID",
        ] {
            assert!(names_a_reference(n), "{n}");
        }
        for n in [
            "DB_PASSWORD",
            "api_key",
            "secretKey",
            "GITHUB_TOKEN",
            "password",
        ] {
            assert!(!names_a_reference(n), "{n}");
        }
    }

    #[test]
    fn documentation_runs_are_made_up() {
        // Documentation-style values in vendor shapes, assembled here so that no token-shaped
        // string sits in the source.
        assert!(is_made_up(&format!("00Fake{}-Doc", "ABCDEFGHIJKL")));
        assert!(is_made_up(&format!("{}NRAL", "a1b2c3d4e5f6g7h8i9j0")));
        assert!(is_made_up(&format!("sk_{}_1234567890abcdef", "live")));
    }

    #[test]
    fn random_tokens_are_not() {
        // Fake tokens, built here for the test.
        let github = crate::checksum::github_token("ghp_", "FakeTokenForDiffwardTests00001");
        assert!(!is_made_up(&github));
        assert!(!is_made_up(&format!("AKIA{}", "FAKEKEYZ7QW4TX2M")));
        assert!(!is_made_up("abc123"));
        assert!(!is_made_up("abcdefg"));
    }
}
