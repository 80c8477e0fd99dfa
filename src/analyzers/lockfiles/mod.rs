//! Lockfiles: what a package manager resolved, one `locked-package` fact per entry.
//!
//! A locked package's key is its identity in the lockfile: the install path for
//! `package-lock.json` (`node_modules/a/node_modules/b`), the name for one-version-per-name
//! formats (poetry, uv, Pipfile.lock), name and version where several versions live side by side
//! (yarn, pnpm, Cargo.lock, go.sum). So a bump is `changed` (or removed + added), a re-sorted or
//! regenerated lockfile with the same resolutions is `unchanged`, and an entry that keeps its
//! version but loses its checksum is `changed` with `integrity: no`.
//!
//! Attributes (all text): `name`, `version`, `ecosystem`, `source` (`registry`, `git`, `url`,
//! `path`, `workspace`), `host` (of the download or index URL the entry records, "" when it
//! records none: the default registry of npm and poetry lockfiles), `integrity` (`yes` when the
//! entry pins a checksum, else `no`), `install-script` (`true` when npm or pnpm recorded that
//! the package runs a script when installed, else `false`).
//!
//! Parsers: `serde_json` for JSON lockfiles (a big `package-lock.json` is tens of megabytes;
//! serde reads it several times faster than a tree parser), `yarn-lock-parser` for both yarn
//! formats, `serde_yaml` for pnpm, `toml` for the TOML lockfiles. None of them keeps locations,
//! so each format finds its entries' lines afterwards in one pass over the text: lockfiles are
//! machine-written with one entry header a line, which is what makes that pass exact.

mod cargo;
mod go;
mod npm;
mod pnpm;
mod python;
mod yarn;

use std::collections::BTreeMap;

use super::{Fact, FileKind, Value};

/// The `locked-package` facts of one side of a lockfile; an error when it does not parse.
pub fn extract(kind: FileKind, text: &str) -> Result<Vec<Fact>, String> {
    match kind {
        FileKind::PackageLock => npm::package_lock(text),
        FileKind::YarnLock => yarn::yarn_lock(text),
        FileKind::PnpmLock => pnpm::pnpm_lock(text),
        FileKind::CargoLock => cargo::cargo_lock(text),
        FileKind::PoetryLock => python::poetry_lock(text),
        FileKind::UvLock => python::uv_lock(text),
        FileKind::PipfileLock => python::pipfile_lock(text),
        FileKind::GoSum => Ok(go::go_sum(text)),
        _ => Ok(Vec::new()),
    }
}

/// One locked package.
pub(crate) struct Locked<'a> {
    pub key: Vec<String>,
    pub name: &'a str,
    pub version: &'a str,
    pub ecosystem: &'static str,
    pub source: &'static str,
    pub host: String,
    pub integrity: bool,
    pub install_script: bool,
    pub span: (usize, usize),
}

impl Locked<'_> {
    /// The fact, its `name` attribute spelled `name` (a normalised form of the entry's).
    pub fn into_fact_named(self, name: String) -> Fact {
        let mut f = self.into_fact();
        f.attrs.insert("name".into(), Value::Text(name));
        f
    }

    pub fn into_fact(self) -> Fact {
        let attrs: BTreeMap<String, Value> = [
            ("name", self.name.to_string()),
            ("version", self.version.to_string()),
            ("ecosystem", self.ecosystem.to_string()),
            ("source", self.source.to_string()),
            ("host", self.host),
            (
                "integrity",
                if self.integrity { "yes" } else { "no" }.to_string(),
            ),
            (
                "install-script",
                if self.install_script { "true" } else { "false" }.to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Value::Text(v)))
        .collect();
        Fact {
            kind: "locked-package",
            key: self.key,
            attrs,
            span: self.span,
            related: Vec::new(),
        }
    }
}

/// The host of a URL (`user:password@` and the port left out), or "" when it is not one.
pub(crate) fn host_of(url: &str) -> String {
    let Some((_, rest)) = url.split_once("://") else {
        return String::new();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    host.split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Where a resolved URL or spec points, in the attribute's words.
pub(crate) fn source_of_url(url: &str) -> &'static str {
    if url.starts_with("git+") || url.starts_with("git:") || url.starts_with("github:") {
        "git"
    } else if url.starts_with("file:") || url.starts_with("link:") || url.starts_with("portal:") {
        "path"
    } else if url.starts_with("workspace:") {
        "workspace"
    } else {
        "registry"
    }
}

/// The byte offset of each line that `header` accepts, with the text it returns for it:
/// one pass over a machine-written lockfile to find its entries.
pub(crate) fn header_lines<'t>(
    text: &'t str,
    mut header: impl FnMut(&'t str) -> Option<&'t str>,
) -> Vec<(&'t str, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if let Some(h) = header(line.trim_end_matches(['\n', '\r'])) {
            out.push((h, at));
        }
        at += line.len();
    }
    out
}

/// A parse error as a notification says it.
pub(crate) fn unreadable(format: &str, why: impl std::fmt::Display) -> String {
    format!("could not be read as {format} ({why}): dependency rules skipped")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_leave_credentials_and_ports_out() {
        assert_eq!(
            host_of("https://u:p@Pkgs.Example.com:8443/simple"),
            "pkgs.example.com"
        );
        assert_eq!(
            host_of("git+ssh://git@git.example.com/x.git#abc"),
            "git.example.com"
        );
        assert_eq!(host_of("npm:left-pad@1.3.0"), "");
    }
}
