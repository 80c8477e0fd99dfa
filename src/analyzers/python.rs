//! Python manifests besides pip requirements: `pyproject.toml` (PEP 621, PEP 735 groups,
//! Poetry, uv), `Pipfile` and `setup.cfg`.

use super::Fact;

/// The facts of a `pyproject.toml`.
pub fn pyproject(_text: &str) -> Result<Vec<Fact>, String> {
    Ok(Vec::new())
}

/// The facts of a `Pipfile`.
pub fn pipfile(_text: &str) -> Result<Vec<Fact>, String> {
    Ok(Vec::new())
}

/// The facts of a `setup.cfg`.
pub fn setup_cfg(_text: &str) -> Result<Vec<Fact>, String> {
    Ok(Vec::new())
}
