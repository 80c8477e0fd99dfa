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
    /// GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm tokens (`npm_`, which
    /// follow GitHub's format): 30 base62 characters, then the CRC32 of those 30 characters in 6
    /// base62 digits.
    GithubCrc32,
    /// JSON web tokens: the payload decodes to a JSON object with registered claims (`sub`,
    /// `iss`, `aud`, `exp`, ...) and is not a well-known documentation sample (jwt.io's "John
    /// Doe"). Such a token was most likely issued by a real service.
    JwtClaims,
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
            Checksum::JwtClaims => jwt_claims_look_real(secret),
        }
    }
}

/// Registered JWT claims (RFC 7519) and the most common private ones that services issue.
const JWT_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "azp",
    "scope",
    "scp",
    "client_id",
    "role",
    "email",
    "tid",
    "oid",
    "upn",
    "sid",
    "org_id",
    "user_id",
];

fn jwt_claims_look_real(token: &str) -> bool {
    let Some(payload) = token.split('.').nth(1) else {
        return false;
    };
    let Some(bytes) = base64url_decode(payload) else {
        return false;
    };
    let Ok(serde_json::Value::Object(claims)) = serde_json::from_slice(&bytes) else {
        return false;
    };
    let sample = claims.get("name").and_then(|n| n.as_str()) == Some("John Doe")
        || claims.get("sub").and_then(|n| n.as_str()) == Some("1234567890");
    !sample && claims.keys().any(|k| JWT_CLAIMS.contains(&k.as_str()))
}

/// Decode unpadded base64url (RFC 4648 section 5); `None` on any other character.
fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
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
    fn jwt_claims() {
        let enc = |json: &str| {
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let b = json.as_bytes();
            let mut out = String::new();
            for chunk in b.chunks(3) {
                let n = chunk.iter().fold(0u32, |a, &c| (a << 8) | u32::from(c))
                    << (8 * (3 - chunk.len()));
                for i in 0..=chunk.len() {
                    out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        };
        let header = enc(r#"{"alg":"HS256","typ":"JWT"}"#);
        let real = format!(
            "{header}.{}.sig",
            enc(r#"{"iss":"https://auth.example.com","sub":"u-81f3","exp":1893456000}"#)
        );
        let sample = format!(
            "{header}.{}.sig",
            enc(r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#)
        );
        let no_claims = format!("{header}.{}.sig", enc(r#"{"hello":"world"}"#));
        assert!(Checksum::JwtClaims.holds(&real));
        assert!(!Checksum::JwtClaims.holds(&sample));
        assert!(!Checksum::JwtClaims.holds(&no_claims));
        assert!(!Checksum::JwtClaims.holds("eyJ.not base64.x"));
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
