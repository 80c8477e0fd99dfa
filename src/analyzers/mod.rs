//! Structured facts: what a file *says*, as typed data with exact locations, for the risks that
//! text matching cannot see (a new dependency, a job's effective token permission, a policy
//! statement's actions). This is the design note of the layer that the dependencies pack is
//! built on and the ci and credentials packs will plug into as more fact kinds.
//!
//! # The data that flows
//!
//! ```text
//! per file, in parallel (engine::scan_file)          change-wide (engine/facts.rs)
//! FileChange ─┬─ text rules (query, regex) ─────────────────────────────────────┐
//!             └─ FileKind::of(path)                                             │
//!                  manifest/config: extract(old), extract(new) → delta()        │
//!                  lockfile: lockfiles::changed_entries(old, new) → Joined      │
//!                  → FileFacts { deltas, resolves, texts } ──→ judge across files:
//!                       `locked` (a lockfile of the folder or above resolves it),
//!                       workspace links, `outside`/`path`, where a lockfile
//!                       finding lands, lockfiles deleted → fact rules → Candidates
//!                                                                   ─┴→ semantics → Findings
//! ```
//!
//! - **Who owns what.** `src/analyzers/` turns one side of one file into facts (and a
//!   lockfile's two sides into deltas) and knows nothing of rules, the engine or reports.
//!   `kind.rs` names the files it reads, with their ecosystem, role and size limit; one module
//!   per format (`deps.rs` package.json and Cargo.toml, `requirements.rs`, `python.rs`,
//!   `golang.rs`, `registries.rs`, `lockfiles/`; `actions/` GitHub workflows and actions, with
//!   their own design note). A CI file's two sides are aligned before the delta (renamed jobs
//!   keep their identity) and judged after it (`actions::judge`: widened scopes). The engine (`engine/facts.rs`) reads each
//!   side once, in the per-file parallel pass, only for files an analyzer knows and only when
//!   a fact rule is selected, and judges what needs several files in one change-wide step.
//!   Rules (`rules/`) own the YAML `fact:` block, checked at load time (`FACT_KINDS` in
//!   `rules/compile.rs` lists each kind's attributes; an unknown one is an error at its
//!   line and column).
//! - **A fact** has a kind (`dependency`, `package-index`, `install-script`, `locked-package`,
//!   `lockfile`, `override`, `hash-pinning`; for workflows `job-permission`, `permissions`,
//!   `trigger`, `action-use`, `expression`, `workflow-risk`, see `actions/`; for
//!   infrastructure code `policy-statement`, `managed-policy`, `cloud-grant`, `cloud-role`,
//!   `static-credential`, `k8s-role`, `role-binding`, `pod-security`, `container-security`,
//!   see `infra/`), a line-free **key** that is its identity
//!   (`[npm, lodash]`, `[npm, node_modules/a/node_modules/b]`, `[job build, contents]`),
//!   attributes (strings, or lists of strings), a primary byte span (the name or key in the
//!   file) and related spans (the block that gives it its value).
//! - **The delta** joins old and new facts of one file by (kind, key): `added`, `removed`,
//!   `changed` (same key, other attributes: a version bump, a permission widened) or
//!   `unchanged`. Keys hold no line numbers, so a dependency that moves inside a manifest, or a
//!   re-sorted or re-indented file, is `unchanged`. A key repeated on a side (one package in
//!   two groups) pairs identical facts first, then the same section, then in order. The
//!   presence of a lockfile is joined over the whole change by (ecosystem, folder), so
//!   trading one lockfile for another in a folder removes nothing; infrastructure facts, whose
//!   identity is not tied to a path (a Terraform address, a Kubernetes name), are joined
//!   across the files of the change the same way (`engine/facts.rs::join_moved`).
//! - **Lockfiles in proportion to the change** (`lockfiles/blocks.rs`): both sides are cut
//!   into the entry blocks their package manager writes; blocks with the same text on both
//!   sides are unchanged entries and are not parsed; the rest are parsed by the format's own
//!   parser and placed back. Only changed entries become facts.
//! - **Rules select deltas**, e.g.
//!   `fact: { kind: dependency, delta: [added], where: { source: [git, url] } }`, with messages
//!   interpolating attributes (`{{name}}`, `{{before.version}}`). A `changed` delta is
//!   reported when the change made the fact pass the filters, unless `changed:` names the
//!   attributes whose change counts. Judgements a rule could get wrong (lookalike-of a popular
//!   package, popular, pinned, locked, a host new to the lockfile, a path outside the
//!   repository; next: effective permissions, an untrusted checkout) are attributes computed
//!   in Rust, not YAML logic.
//! - **Location**: the fact's span in the new file when the change touched its line, else the
//!   first related span it touched (the scope line that widened a job), else for a changed fact
//!   the place of its old span in the new file (where a `permissions:` block was removed); a
//!   removal at the place in the new file where it was; a lockfile entry of a dependency the change declared in a manifest, at that
//!   manifest line; a deleted lockfile, in the base text (GitHub shows a pull-request alert
//!   only on lines of the diff).
//! - **Fingerprint** of a fact finding (`engine/facts.rs::identity`): the rule, the fact's kind,
//!   key and delta, and the values of the attributes the rule reads; never a line or a span, so
//!   a baseline keeps knowing a finding that a later change moves or re-words.
//! - **Failure**: an extractor that cannot parse a side returns an error that becomes a
//!   notification for that file (saying when it is the side before the change); its text rules
//!   still run. No extractor panics on any input.
//! - **Parsers keep spans** where they can: the tree-sitter grammars already in the build,
//!   `toml`'s spanned tables, `pep508_rs`; for lockfiles, fast parsers without spans
//!   (`serde_json`, `yarn-lock-parser`, `serde_yaml`, `toml`) and one pass over the text for
//!   the entries' lines, exact because package managers write one entry header a line.
//!   Lockfiles have their own size limit (64 MiB; text rules keep theirs).

pub mod actions;
pub mod deps;
pub mod golang;
pub mod infra;
pub mod kind;
pub mod lockfiles;
pub mod lookalike;
pub mod python;
pub mod registries;
pub mod requirements;
pub mod yaml;

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

    /// A list attribute's items (none when the fact has no such list).
    pub fn list(&self, attr: &str) -> &[String] {
        match self.attrs.get(attr) {
            Some(Value::List(l)) => l,
            _ => &[],
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
        FileKind::GhWorkflow => actions::workflow(text)?,
        FileKind::GhAction => actions::action(text)?,
        FileKind::Terraform | FileKind::Compose | FileKind::InfraJson | FileKind::InfraYaml => {
            infra::extract(kind, text)?
        }
        // Lockfiles are read both sides at once, for only what changed (`lockfiles`).
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

/// The deltas of a structured file's two sides: joined by key, and for a CI file aligned first
/// (a renamed job keeps its identity) and judged after (the scopes a job's token gained).
pub fn joined(kind: FileKind, old: Vec<Fact>, mut new: Vec<Fact>) -> Vec<Delta> {
    if kind.role() == Role::Infra {
        let mut deltas = infra::delta(old, new);
        infra::judge(&mut deltas);
        return deltas;
    }
    if kind.role() != Role::Ci {
        return delta(old, new);
    }
    actions::align_renamed_jobs(&old, &mut new);
    let mut deltas = delta(old, new);
    actions::judge(&mut deltas);
    deltas
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
