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

#[cfg(test)]
mod tests {
    use super::is_made_up;

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
