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

mod blocks;
mod cargo;
mod go;
mod npm;
mod pnpm;
mod python;
mod yarn;

pub use blocks::changed_entries;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Delta, DeltaKind, Fact, FileKind, Value};

/// The entries of one side of a lockfile, borrowed from its text where they can be.
pub fn entries(kind: FileKind, text: &str) -> Result<Vec<Locked<'_>>, String> {
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

/// The names a lockfile resolves (true: as a link to a workspace member), read off its
/// entry blocks where it has the package manager's layout, else parsed.
pub fn names(kind: FileKind, text: &str) -> Result<HashMap<String, bool>, String> {
    if let Some(n) = blocks::names(kind, text) {
        return Ok(n);
    }
    Ok(entries(kind, text)?
        .into_iter()
        .map(|e| (e.name.into_owned(), e.source == "workspace"))
        .collect())
}

/// A lockfile's two sides joined by entry: only what changed becomes a fact (a big lockfile
/// has tens of thousands of entries, and a change touches a few), with `new-host` judged
/// against the hosts the old side used; and the names the new side resolves.
pub struct Joined {
    pub deltas: Vec<Delta>,
    /// Each name the new side resolves; true when it resolves it as a link to a workspace
    /// member (npm's `"link": true`).
    pub resolves: HashMap<String, bool>,
}

///
/// `old_hosts`: the hosts the old side used (`None`: there was no old side); `resolves`: the
/// names the new side resolves, when `new` holds only some of its entries.
pub fn join(
    old: Vec<Locked<'_>>,
    new: Vec<Locked<'_>>,
    old_hosts: Option<&HashSet<String>>,
    resolves: Option<HashMap<String, bool>>,
) -> Joined {
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in old.iter().enumerate().rev() {
        by_key.entry(e.key.as_ref()).or_default().push(i);
    }
    let mut taken = vec![false; old.len()];
    let mut deltas = Vec::new();
    let resolves = resolves.unwrap_or_else(|| {
        new.iter()
            .map(|e| (e.name.to_string(), e.source == "workspace"))
            .collect()
    });
    // A lockfile the change adds has nothing to compare with: only what it records of a
    // package beyond the manifest (an install script) can be said, and the engine says it
    // only of a dependency the change added to a manifest.
    let Some(old_hosts) = old_hosts else {
        let deltas = new
            .into_iter()
            .filter(|e| e.install_script)
            .map(|e| {
                let mut fact = e.into_fact();
                fact.attrs
                    .insert("new-host".into(), Value::Text("false".into()));
                Delta {
                    kind: DeltaKind::Added,
                    old: None,
                    new: Some(fact),
                }
            })
            .collect();
        return Joined { deltas, resolves };
    };
    // Each host new to the lockfile is reported once, at its first entry.
    let mut seen_hosts: HashSet<String> = HashSet::new();
    for n in &new {
        let o = by_key.get_mut(n.key.as_ref()).and_then(Vec::pop);
        if let Some(o) = o {
            taken[o] = true;
            if old[o].same_as(n) {
                continue;
            }
        }
        let host = n.host.to_ascii_lowercase();
        let new_host =
            !host.is_empty() && !old_hosts.contains(&host) && seen_hosts.insert(host.clone());
        let mut fact = n.clone().into_fact();
        fact.attrs.insert(
            "new-host".into(),
            Value::Text(if new_host { "true" } else { "false" }.into()),
        );
        deltas.push(match o {
            Some(o) => Delta {
                kind: DeltaKind::Changed,
                old: Some(old[o].clone().into_fact()),
                new: Some(fact),
            },
            None => Delta {
                kind: DeltaKind::Added,
                old: None,
                new: Some(fact),
            },
        });
    }
    for (i, e) in old.into_iter().enumerate() {
        if !taken[i] {
            deltas.push(Delta {
                kind: DeltaKind::Removed,
                old: Some(e.into_fact()),
                new: None,
            });
        }
    }
    Joined { deltas, resolves }
}

/// One locked package.
#[derive(Clone)]
pub struct Locked<'a> {
    /// Its identity in the lockfile: the install path, or `name@version`.
    pub key: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub version: Cow<'a, str>,
    pub ecosystem: &'static str,
    pub source: &'static str,
    pub host: Cow<'a, str>,
    pub integrity: bool,
    pub install_script: bool,
    pub span: (usize, usize),
}

impl Locked<'_> {
    /// The same resolution (the place in the file aside).
    fn same_as(&self, o: &Locked<'_>) -> bool {
        self.name == o.name
            && self.version == o.version
            && self.source == o.source
            && self.host == o.host
            && self.integrity == o.integrity
            && self.install_script == o.install_script
    }

    pub fn into_fact(self) -> Fact {
        let attrs: BTreeMap<String, Value> = [
            ("name", self.name.into_owned()),
            ("version", self.version.into_owned()),
            ("ecosystem", self.ecosystem.to_string()),
            ("source", self.source.to_string()),
            ("host", self.host.to_ascii_lowercase()),
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
            key: vec![self.ecosystem.to_string(), self.key.into_owned()],
            attrs,
            span: self.span,
            related: Vec::new(),
        }
    }
}

/// The host of a URL in a borrowed or owned string.
pub(crate) fn host_in<'a>(url: &Cow<'a, str>) -> Cow<'a, str> {
    match url {
        Cow::Borrowed(u) => Cow::Borrowed(host_of(u)),
        Cow::Owned(u) => Cow::Owned(host_of(u).to_string()),
    }
}

/// The host of a URL (`user:password@` and the port left out), or "" when it is not one.
pub(crate) fn host_of(url: &str) -> &str {
    let Some((_, rest)) = url.split_once("://") else {
        return "";
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    host.split(':').next().unwrap_or_default()
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

    fn entry(name: &'static str, host: &'static str) -> Locked<'static> {
        Locked {
            key: Cow::Borrowed(name),
            name: Cow::Borrowed(name),
            version: Cow::Borrowed("1.0.0"),
            ecosystem: "npm",
            source: "registry",
            host: Cow::Borrowed(host),
            integrity: true,
            install_script: false,
            span: (0, 0),
        }
    }

    #[test]
    fn a_new_host_is_reported_at_its_first_entry_only() {
        let hosts: HashSet<String> = ["npm.example.com".to_string()].into();
        let j = join(
            vec![entry("a", "npm.example.com")],
            vec![
                entry("a", "npm.example.com"),
                entry("b", "cdn.example.net"),
                entry("c", "cdn.example.net"),
            ],
            Some(&hosts),
            None,
        );
        let flagged: Vec<&str> = j
            .deltas
            .iter()
            .filter_map(|d| d.new.as_ref())
            .filter(|f| f.text("new-host") == "true")
            .map(|f| f.text("name"))
            .collect();
        assert_eq!(flagged, vec!["b"]);
        assert_eq!(j.deltas.len(), 2, "a is unchanged");
    }

    #[test]
    fn a_lockfile_the_change_adds_gives_only_its_install_scripts() {
        let mut b = entry("b", "npm.example.com");
        b.install_script = true;
        let j = join(
            Vec::new(),
            vec![entry("a", "npm.example.com"), b],
            None,
            None,
        );
        let added: Vec<&str> = j
            .deltas
            .iter()
            .filter_map(|d| d.new.as_ref())
            .map(|f| f.text("name"))
            .collect();
        assert_eq!(added, vec!["b"]);
        assert_eq!(j.resolves.get("a"), Some(&false));
    }

    #[test]
    fn hosts_leave_credentials_and_ports_out() {
        assert_eq!(
            host_of("https://u:p@pkgs.example.com:8443/simple"),
            "pkgs.example.com"
        );
        assert_eq!(
            host_of("git+ssh://git@git.example.com/x.git#abc"),
            "git.example.com"
        );
        assert_eq!(host_of("npm:left-pad@1.3.0"), "");
    }
}
