//! Structured facts: what a file *says*, as typed data with exact locations, for the risks that
//! text matching cannot see (a new dependency, a job's effective token permission, a policy
//! statement's actions). This is the design note for the dependencies, ci and credentials packs,
//! and the first of its code: the fact type and the keyed delta that gives facts the same diff
//! semantics as every other rule.
//!
//! # The data that flows
//!
//! ```text
//! FileChange ─┬─ text rules (query, regex) ───────────────────────────┐
//!             └─ FileKind::of(path) → extractor(old), extractor(new)  │
//!                  → Vec<Fact> per side → delta() → Vec<Delta>        │
//!                  → fact rules (YAML `fact:` block) → Candidates ────┴→ semantics → Findings
//! ```
//!
//! - **Who owns what.** `src/analyzers/` turns one side of one file into facts and knows
//!   nothing of rules, the engine or reports (it imports only `finding`-free std types). The
//!   engine (`engine/facts.rs`, next) runs the extractors a selected rule needs, in the same
//!   per-file parallel pass as the text rules, each side parsed at most once, and only for files
//!   that pass the rule's path and literal prefilters. Rules (`rules/`) own the YAML `fact:`
//!   block, validated by the schema at load time like `query:` and `regex:`.
//! - **A fact** has a kind (`dependency`, `package-index`, `install-script`, later
//!   `job-permission`, `trigger`, `action-use`, `policy-statement`, `role-binding`, …), a
//!   line-free **key** that is its identity (`[npm, prod, lodash]`, `[job build, contents]`),
//!   attributes (strings, or lists of strings), a primary byte span (the name or key in the
//!   file) and related spans (the block that gives it its value).
//! - **The delta** joins old and new facts of one file by (kind, key): `added`, `removed`,
//!   `changed` (same key, other attributes: a version bump, a permission widened) or
//!   `unchanged`. Keys hold no line numbers, so a dependency that moves inside a manifest, or a
//!   re-sorted or re-indented file, is `unchanged`; a rename maps the old path first. Facts whose
//!   identity is not tied to a path (a Terraform address, a Kubernetes kind/namespace/name) will
//!   be joined over the whole change, as the multiset of the text rules is, so a statement moved
//!   between files reports nothing either.
//! - **Rules select deltas**, e.g.
//!   `fact: { kind: dependency, delta: [added], where: { source: [git, url, path] } }`,
//!   with messages interpolating attributes (`{{name}}`, `{{before.version}}`). Derived
//!   judgements that a rule could get wrong (effective permissions, lookalike-of a popular
//!   package, an untrusted checkout) are attributes computed in Rust, not YAML logic.
//! - **Fingerprint** of a fact finding: rule id, fact kind, key, delta kind and the attributes
//!   the rule reads; never a line.
//! - **Location**: the primary span when it lies on an added line, else a related span on an
//!   added line, else the old span mapped into the new file (GitHub shows a pull-request alert
//!   only on lines of the diff). A dependency found through a lockfile is reported at the
//!   manifest line when it is direct.
//! - **Failure**: an extractor that cannot parse a side returns an error that becomes a
//!   notification for that file; its text rules still run. No extractor panics (fuzzed later).
//! - **Parsers keep spans**: the tree-sitter grammars already in the build, or span-preserving
//!   crates (`toml_edit`/`toml-span`, `serde_json` with a line index for big lockfiles, a span
//!   YAML parser). Each file kind gets its own size limit (lockfiles are often over 2 MiB).

pub mod deps;
pub mod golang;
pub mod kind;
pub mod lockfiles;
pub mod lookalike;
pub mod python;
pub mod registries;
pub mod requirements;

pub use kind::{FileKind, Role};

use std::collections::BTreeMap;

/// A fact's attribute: a string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Text(String),
    List(Vec<String>),
}

/// One thing a file says, with where it says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// `dependency`, `package-index`, `install-script`, `job-permission`, …
    pub kind: &'static str,
    /// The fact's identity within its file: never a line number.
    pub key: Vec<String>,
    pub attrs: BTreeMap<String, Value>,
    /// Byte range of the name or key in the text.
    pub span: (usize, usize),
    /// Byte ranges of what gives the fact its value (a version spec, a permissions block).
    pub related: Vec<(usize, usize)>,
}

impl Fact {
    /// A text attribute's value (empty when the fact has no such attribute).
    pub fn text(&self, attr: &str) -> &str {
        match self.attrs.get(attr) {
            Some(Value::Text(t)) => t,
            _ => "",
        }
    }
}

/// The facts of one side of a structured file; an error (for a notification) when it does not
/// parse.
pub fn extract(kind: FileKind, text: &str) -> Result<Vec<Fact>, String> {
    let facts = match kind {
        FileKind::PackageJson => deps::package_json(text)?,
        FileKind::CargoToml => deps::cargo_toml(text)?,
        FileKind::Requirements => requirements::extract(text),
        FileKind::Pyproject => python::pyproject(text)?,
        FileKind::Pipfile => python::pipfile(text)?,
        FileKind::SetupCfg => python::setup_cfg(text)?,
        FileKind::GoMod => golang::go_mod(text)?,
        FileKind::Npmrc => registries::npmrc(text)?,
        FileKind::CargoConfig => registries::cargo_config(text)?,
        _ if kind.role() == Role::Lockfile => lockfiles::extract(kind, text)?,
        _ => Vec::new(),
    };
    Ok(facts.into_iter().map(judged).collect())
}

/// A dependency with the judgements rules filter on, computed here so that no rule can get
/// them wrong: `popular` (on its ecosystem's bundled list; absent without a list), `lookalike`
/// (the popular name it imitates), and `pinned` (`open` for a spec that takes any future
/// release: `*`, `latest`, an empty spec, `>=` with no upper bound, where the ecosystem pins
/// by default: npm and Cargo; else `range` or `exact`).
fn judged(mut f: Fact) -> Fact {
    if f.kind != "dependency" || f.text("source") != "registry" {
        return f;
    }
    let (eco, name) = (f.text("ecosystem").to_string(), f.text("name").to_string());
    if let Some(p) = lookalike::is_popular(&eco, &name) {
        f.attrs.insert("popular".into(), Value::Text(p.to_string()));
    }
    if let Some(target) = lookalike::lookalike(&eco, &name) {
        f.attrs
            .insert("lookalike".into(), Value::Text(target.to_string()));
    }
    if matches!(eco.as_str(), "npm" | "cargo") {
        let pinned = pinning(f.text("version"));
        f.attrs.insert("pinned".into(), Value::Text(pinned.into()));
    }
    f
}

/// How tightly an npm or Cargo version spec pins.
fn pinning(spec: &str) -> &'static str {
    let s = spec.trim();
    let open = s.is_empty()
        || matches!(s, "*" | "x" | "X" | "latest" | "next")
        || (s.contains('>') && !s.contains('<') && !s.contains("||") && !s.contains(" - "))
        || s.chars().all(|c| c.is_ascii_alphabetic());
    if open {
        "open"
    } else if s
        .trim_start_matches(['=', 'v'])
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.')
        && s.matches('.').count() == 2
    {
        "exact"
    } else {
        "range"
    }
}

/// How a fact changed across a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeltaKind {
    Added,
    Removed,
    /// Same key, other attributes: the old fact is kept beside the new one.
    Changed,
    Unchanged,
}

/// A fact joined with its counterpart on the other side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    pub kind: DeltaKind,
    pub old: Option<Fact>,
    pub new: Option<Fact>,
}

/// Join the facts of a file's two sides by (kind, key). A key that occurs several times on a
/// side (a package listed in two groups) is paired first with an identical fact of the other
/// side, then with one of the same `section`, then in order, so that adding a package to a
/// second group pairs the groups that were there and reports the new one.
/// The result follows the new side's order, then the removals in the old side's order.
pub fn delta(old: Vec<Fact>, new: Vec<Fact>) -> Vec<Delta> {
    type Key = (&'static str, Vec<String>);
    let mut by_key: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for (i, f) in old.iter().enumerate() {
        by_key.entry((f.kind, f.key.clone())).or_default().push(i);
    }
    let mut pair: Vec<Option<usize>> = vec![None; new.len()];
    let mut taken = vec![false; old.len()];
    type Likeness = fn(&Fact, &Fact) -> bool;
    let passes: [Likeness; 3] = [
        |o, n| o.attrs == n.attrs,
        |o, n| o.text("section") == n.text("section"),
        |_, _| true,
    ];
    for same in passes {
        for (j, n) in new.iter().enumerate() {
            if pair[j].is_some() {
                continue;
            }
            let Some(cands) = by_key.get(&(n.kind, n.key.clone())) else {
                continue;
            };
            if let Some(&i) = cands.iter().find(|&&i| !taken[i] && same(&old[i], n)) {
                taken[i] = true;
                pair[j] = Some(i);
            }
        }
    }
    let mut old: Vec<Option<Fact>> = old.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for (n, p) in new.into_iter().zip(pair) {
        match p.and_then(|i| old[i].take()) {
            Some(o) => {
                let kind = if o.attrs == n.attrs {
                    DeltaKind::Unchanged
                } else {
                    DeltaKind::Changed
                };
                out.push(Delta {
                    kind,
                    old: Some(o),
                    new: Some(n),
                });
            }
            None => out.push(Delta {
                kind: DeltaKind::Added,
                old: None,
                new: Some(n),
            }),
        }
    }
    for o in old.into_iter().flatten() {
        out.push(Delta {
            kind: DeltaKind::Removed,
            old: Some(o),
            new: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_ended_specs() {
        for s in ["*", "", "latest", ">=1.0.0", "> 2", "x", "beta"] {
            assert_eq!(pinning(s), "open", "{s}");
        }
        for s in ["^1.2.3", "~1.2", "1", ">=1.0 <2.0", "1.x", "^1 || ^2"] {
            assert_eq!(pinning(s), "range", "{s}");
        }
        assert_eq!(pinning("1.2.3"), "exact");
        assert_eq!(pinning("=1.2.3"), "exact");
    }

    fn dep(name: &str, version: &str, at: usize) -> Fact {
        let mut attrs = BTreeMap::new();
        attrs.insert("version".to_string(), Value::Text(version.to_string()));
        Fact {
            kind: "dependency",
            key: vec!["npm".into(), "prod".into(), name.into()],
            attrs,
            span: (at, at + name.len()),
            related: Vec::new(),
        }
    }

    fn kinds(d: &[Delta]) -> Vec<(DeltaKind, String)> {
        d.iter()
            .map(|d| {
                let f = d.new.as_ref().or(d.old.as_ref()).unwrap();
                (d.kind.clone(), f.key[2].clone())
            })
            .collect()
    }

    #[test]
    fn a_moved_or_resorted_fact_is_unchanged_and_a_bump_is_changed() {
        let old = vec![dep("lodash", "^4.17.0", 10), dep("express", "^4.0.0", 40)];
        let new = vec![
            dep("express", "^4.0.0", 10),
            dep("lodash", "^4.17.21", 60),
            dep("left-pad", "1.3.0", 90),
        ];
        assert_eq!(
            kinds(&delta(old, new)),
            vec![
                (DeltaKind::Unchanged, "express".into()),
                (DeltaKind::Changed, "lodash".into()),
                (DeltaKind::Added, "left-pad".into()),
            ]
        );
    }

    #[test]
    fn a_name_added_to_a_second_section_pairs_the_section_that_was_there() {
        let with = |name: &str, section: &str, v: &str| {
            let mut f = dep(name, v, 0);
            f.attrs
                .insert("section".into(), Value::Text(section.to_string()));
            f
        };
        let old = vec![with("chardet", "optional:x", "1")];
        let new = vec![
            with("chardet", "group:dev", "2"),
            with("chardet", "optional:x", "1"),
        ];
        let d = delta(old, new);
        let got: Vec<(DeltaKind, &str)> = d
            .iter()
            .map(|d| (d.kind.clone(), d.new.as_ref().unwrap().text("section")))
            .collect();
        assert_eq!(
            got,
            vec![
                (DeltaKind::Added, "group:dev"),
                (DeltaKind::Unchanged, "optional:x")
            ]
        );
        // a bump in one section and an addition to another
        let old = vec![with("regex", "dependencies", "1.0")];
        let new = vec![
            with("regex", "dependencies", "1.1"),
            with("regex", "patch.crates-io", ""),
        ];
        let kinds: Vec<DeltaKind> = delta(old, new).into_iter().map(|d| d.kind).collect();
        assert_eq!(kinds, vec![DeltaKind::Changed, DeltaKind::Added]);
    }

    #[test]
    fn a_fact_gone_from_the_new_side_is_removed() {
        let d = delta(
            vec![dep("a", "1", 0), dep("b", "1", 5)],
            vec![dep("b", "1", 0)],
        );
        assert_eq!(
            kinds(&d),
            vec![
                (DeltaKind::Unchanged, "b".into()),
                (DeltaKind::Removed, "a".into())
            ]
        );
    }
}
