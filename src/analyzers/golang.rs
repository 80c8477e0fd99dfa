//! Go modules: `go.mod` (require, replace).

use super::Fact;

/// The facts of a `go.mod`.
pub fn go_mod(_text: &str) -> Result<Vec<Fact>, String> {
    Ok(Vec::new())
}
