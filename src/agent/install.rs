//! Writing an agent's hook configuration (to be written).
use super::Agent;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Project,
    Global,
}

pub struct Installed {
    pub path: PathBuf,
    pub changed: bool,
}

#[derive(Debug)]
pub struct InstallError(pub String);

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn install(
    _a: Agent,
    _s: Scope,
    _root: &Path,
    _home: &Path,
    _command: &str,
) -> Result<Installed, InstallError> {
    Err(InstallError("not written yet".into()))
}

pub fn uninstall(
    _a: Agent,
    _s: Scope,
    _root: &Path,
    _home: &Path,
) -> Result<Option<PathBuf>, InstallError> {
    Err(InstallError("not written yet".into()))
}
