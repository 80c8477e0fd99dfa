//! Offline checksums that some token formats carry. A token whose checksum holds is almost
//! certainly real; one whose checksum fails is still reported, at low confidence, because
//! truncated or hand-edited tokens are still worth a look and a scanner must not be taught to
//! miss a secret by flipping one character.

use schemars::JsonSchema;
use serde::Deserialize;

/// The checksum a rule's secret carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Checksum {
    /// GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`): 30 base62 characters, then the
    /// CRC32 of those 30 characters in 6 base62 digits.
    GithubCrc32,
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn base62_6(mut n: u32) -> [u8; 6] {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

impl Checksum {
    /// Whether `secret` carries a valid checksum of this kind.
    pub fn holds(self, secret: &str) -> bool {
        match self {
            Checksum::GithubCrc32 => {
                let body = secret.split_once('_').map_or(secret, |(_, b)| b).as_bytes();
                body.len() == 36 && base62_6(crc32(&body[..30])) == body[30..]
            }
        }
    }
}

/// Build a GitHub-format token with a valid checksum from 30 base62 characters (for tests and
/// rule examples: fake tokens that pass the check).
pub fn github_token(prefix: &str, random30: &str) -> String {
    format!(
        "{prefix}{random30}{}",
        String::from_utf8_lossy(&base62_6(crc32(random30.as_bytes())))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_reference_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn github_checksums() {
        let t = github_token("ghp_", "FakeTokenForDiffwardTests00001");
        assert_eq!(t.len(), 40);
        assert!(Checksum::GithubCrc32.holds(&t));
        let mut broken = t.clone();
        broken.replace_range(39..40, if t.ends_with('A') { "B" } else { "A" });
        assert!(!Checksum::GithubCrc32.holds(&broken));
    }
}
