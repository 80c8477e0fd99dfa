//! Fact rules: the facts of both sides of every structured file of the change (manifests,
//! lockfiles, package-manager configuration), extracted once per side in the per-file pass, then
//! judged in one change-wide step, because some judgements need two files:
//!
//! - a new dependency that is `locked` (resolved by a lockfile of the change, in its folder or
//!   one above, as a workspace's lockfile is) or not: a name nobody resolved may be invented;
//! - a lockfile entry's finding lands on the manifest line that added or changed the
//!   dependency when the dependency is direct, else on the lockfile entry;
//! - a lockfile the change deletes while its manifest stays (`lockfile` facts, one per
//!   ecosystem and folder, joined over the whole change, so trading `package-lock.json` for
//!   `pnpm-lock.yaml` in the same change removes nothing).
//!
//! Each file's sides are joined by key (`analyzers::delta`), derived attributes are added
//! (`locked`, `new-host`, `direct`), and each delta a rule selects becomes a candidate at the
//! fact's place in the new text, so allow comments, redaction, snippets and reports treat it
//! like any other finding. Fact rules are `any` rules for the semantics: the delta has already
//! said what the change did. For a `changed` delta a rule reports only when the change brought
//! its filter about: the new fact passes it and the old one did not.

use std::collections::{HashMap, HashSet};

use super::matcher::RawMatch;
use super::semantics::{self, Candidate};
use super::text::SideText;
use crate::analyzers::{self, Delta, DeltaKind, Fact, FileKind, Role, Value};
use crate::finding::Notification;
use crate::rules::compile::FactMatcher;
use crate::rules::{Matcher, RuleSet};
use crate::source::linediff::LineChanges;
use crate::source::{ChangeSet, FileChange};

/// One structured file of the change, kept from the per-file pass: its facts joined across
/// the change, and its texts, where findings are placed.
pub struct FileFacts {
    /// The file's index in the change (`usize::MAX` for a context file, which is never a
    /// finding's place).
    pub index: usize,
    pub path: String,
    pub kind: FileKind,
    /// Every fact of a manifest or configuration by its delta; a lockfile's entries only when
    /// they changed.
    pub deltas: Vec<Delta>,
    /// For a lockfile that exists after the change: the names it resolves (true: as a link
    /// to a workspace member).
    pub resolves: Option<HashMap<String, bool>>,
    pub old_text: Option<SideText>,
    pub new_text: Option<SideText>,
    pub changes: LineChanges,
}

/// A lockfile the change leaves alone, beside a changed manifest: only the names it resolves.
pub fn context(c: &FileChange, text: &SideText) -> Option<FileFacts> {
    let kind = FileKind::of(&c.path).filter(|k| k.role() == Role::Lockfile)?;
    let resolves = analyzers::lockfiles::names(kind, &text.text).ok()?;
    Some(FileFacts {
        index: usize::MAX,
        path: c.path.clone(),
        kind,
        deltas: Vec::new(),
        resolves: Some(resolves),
        old_text: None,
        new_text: None,
        changes: LineChanges::all_added(),
    })
}

/// A note for a side that does not parse (`before`: the side before the change).
fn unreadable<T>(
    r: Result<T, String>,
    path: &str,
    before: bool,
    notes: &mut Vec<Notification>,
) -> Option<T> {
    r.map_err(|why| {
        notes.push(Notification {
            path: path.to_string(),
            message: if before {
                format!("before the change, {why}")
            } else {
                why
            },
        })
    })
    .ok()
}

/// The per-file part: both sides of a structured file read and joined. A deleted file's facts
/// are not read (its entries are gone with it; that it is gone is what the change-wide step
/// needs); a side that does not parse leaves the file out, with a note.
pub fn extract(
    index: usize,
    f: &FileChange,
    old: Option<SideText>,
    new: Option<SideText>,
    changes: LineChanges,
    notes: &mut Vec<Notification>,
) -> Option<FileFacts> {
    let kind = FileKind::of(&f.path)?;
    let mut resolves = None;
    let deltas = match (&old, &new) {
        // An infrastructure object of a deleted file may live on in another file of the
        // change (the change-wide join pairs it there).
        // (a deleted file that does not parse is no concern of the change's)
        (Some(old), None) if kind.role() == Role::Infra => {
            let facts = analyzers::extract(kind, &old.text).ok()?;
            analyzers::delta(facts, Vec::new())
        }
        (_, None) => Vec::new(),
        (old, Some(new)) if kind.role() == Role::Lockfile => {
            let joined = analyzers::lockfiles::changed_entries(
                kind,
                old.as_ref().map(|o| o.text.as_str()),
                &new.text,
            );
            // (a side before the change says so in its message)
            let joined = unreadable(joined, &f.path, false, notes)?;
            resolves = Some(joined.resolves);
            joined.deltas
        }
        (old, Some(new)) => {
            let old_facts = match old {
                Some(o) => unreadable(analyzers::extract(kind, &o.text), &f.path, true, notes)?,
                None => Vec::new(),
            };
            let new_facts = unreadable(analyzers::extract(kind, &new.text), &f.path, false, notes)?;
            analyzers::joined(kind, old_facts, new_facts)
        }
    };
    Some(FileFacts {
        index,
        path: f.path.clone(),
        kind,
        deltas,
        resolves,
        old_text: old,
        new_text: new,
        changes,
    })
}

fn attr_text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::List(l) => l.join(", "),
    }
}

fn set(f: &mut Fact, attr: &str, value: bool) {
    f.attrs.insert(
        attr.to_string(),
        Value::Text(if value { "true" } else { "false" }.to_string()),
    );
}

/// The folder of a repository path ("" at the top).
fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Whether folder `outer` holds folder `inner` (or is it).
fn holds(outer: &str, inner: &str) -> bool {
    outer.is_empty()
        || inner == outer
        || (inner.starts_with(outer) && inner.as_bytes().get(outer.len()) == Some(&b'/'))
}

/// The local path a `path` dependency names: its `path` attribute, else its spec without the
/// `file:`/`link:` protocol.
fn local_path(f: &Fact) -> &str {
    match f.text("path") {
        "" => {
            let v = f.text("version");
            let v = v.split_once(" @ ").map_or(v, |(_, p)| p);
            v.trim_start_matches("file:")
                .trim_start_matches("link:")
                .trim_start_matches("./")
        }
        p => p,
    }
}

/// Whether `path`, relative to folder `dir` of the repository, points outside the repository
/// (or is absolute): code nobody reviews with the change.
fn leaves(dir: &str, path: &str) -> bool {
    if path.starts_with('/') || path.starts_with('~') || path.contains(":\\") {
        return true;
    }
    let mut depth = dir.split('/').filter(|p| !p.is_empty()).count() as i64;
    for part in path.split(['/', '\\']) {
        match part {
            ".." => depth -= 1,
            "" | "." => {}
            _ => depth += 1,
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

/// A delta of one file, with the file it belongs to.
struct FileDelta<'a> {
    file: &'a FileFacts,
    delta: Delta,
    /// Its old side comes from another file of the change (an object moved between files).
    moved: bool,
}

/// Infrastructure objects are what they are called where they are deployed (a Terraform
/// address, a Kubernetes kind and name), not which file says so: an object removed from one
/// file and added to another is the same object, `unchanged` when its facts are the same and
/// else `changed` (judged like a change within a file). Identical facts pair first; facts
/// that differ pair only under a real name (a policy file's anonymous statements do not).
fn join_moved(deltas: &mut Vec<FileDelta<'_>>) {
    let infra = |fd: &FileDelta<'_>| fd.file.kind.role() == Role::Infra;
    let removed: Vec<usize> = (0..deltas.len())
        .filter(|&i| infra(&deltas[i]) && deltas[i].delta.kind == DeltaKind::Removed)
        .collect();
    if removed.is_empty() {
        return;
    }
    let mut taken = vec![false; deltas.len()];
    // 0: the same object, as it was, in another file; 1: the same object, changed, in another
    // file; 2: a policy statement granting exactly what one removed granted, under another
    // name (a role renamed, or moved and renamed), in any file.
    let same_grants = |o: &Fact, n: &Fact| {
        o.kind == "policy-statement"
            && o.kind == n.kind
            && o.attrs.len() == n.attrs.len()
            && o.attrs
                .iter()
                .all(|(k, v)| k == "policy" || n.attrs.get(k) == Some(v))
    };
    for pass in 0..3 {
        for j in 0..deltas.len() {
            if !infra(&deltas[j]) || deltas[j].delta.kind != DeltaKind::Added {
                continue;
            }
            let Some(n) = deltas[j].delta.new.clone() else {
                continue;
            };
            if pass == 1
                && n.key
                    .first()
                    .is_none_or(|k| k.is_empty() || k == "the policy")
            {
                continue;
            }
            let found = removed.iter().copied().find(|&i| {
                let o = deltas[i].delta.old.as_ref();
                let other_file = deltas[i].file.index != deltas[j].file.index;
                !taken[i]
                    && o.is_some_and(|o| match pass {
                        0 => other_file && o.kind == n.kind && o.key == n.key && o.attrs == n.attrs,
                        1 => other_file && o.kind == n.kind && o.key == n.key,
                        _ => same_grants(o, &n),
                    })
            });
            let Some(i) = found else { continue };
            taken[i] = true;
            let old = deltas[i].delta.old.clone();
            let d = &mut deltas[j];
            d.delta.kind = if pass == 1 {
                DeltaKind::Changed
            } else {
                DeltaKind::Unchanged
            };
            d.delta.old = old;
            d.moved = true;
            analyzers::infra::judge(std::slice::from_mut(&mut d.delta));
        }
    }
    let mut i = 0;
    deltas.retain(|_| {
        i += 1;
        !taken[i - 1]
    });
}

/// The change-wide part: every selected fact rule over every file's deltas.
pub fn candidates(
    rules: &RuleSet,
    rule_ids: &[usize],
    mut files: Vec<FileFacts>,
    changes: &ChangeSet,
) -> Vec<Candidate> {
    // The deltas are judged and then held beside their file: taken out, not copied.
    let mut judged: Vec<Vec<Delta>> = files
        .iter_mut()
        .map(|ff| std::mem::take(&mut ff.deltas))
        .collect();
    fn path(ff: &FileFacts) -> &str {
        ff.path.as_str()
    }
    // What each lockfile of the change resolves, after the change: (ecosystem, folder, names).
    let resolved: Vec<(FileKind, &str, &HashMap<String, bool>)> = files
        .iter()
        .filter_map(|ff| Some((ff.kind, dir_of(path(ff)), ff.resolves.as_ref()?)))
        .collect();
    let mut deltas: Vec<FileDelta<'_>> = Vec::new();
    for (ff, mine) in files.iter().zip(judged.iter_mut()) {
        let (eco, dir) = (ff.kind.ecosystem(), dir_of(path(ff)));
        if ff.kind.role() != Role::Lockfile {
            // Both sides are judged alike, so a `changed` delta compares like with like.
            let sides = mine
                .iter_mut()
                .flat_map(|d| [d.old.as_mut(), d.new.as_mut()])
                .flatten();
            for n in sides.filter(|n| n.kind == "dependency") {
                let name = n.text("name").to_string();
                let mut covering = resolved
                    .iter()
                    .filter(|(k, d, _)| {
                        k.ecosystem() == eco
                            && (*d == dir || (k.covers_subfolders() && holds(d, dir)))
                    })
                    .peekable();
                let covered = covering.peek().is_some();
                let resolution = covering.find_map(|(_, _, names)| names.get(&name));
                // `none`: no lockfile of the project, in the change or beside it, to ask.
                let locked = match (resolution, covered) {
                    (Some(_), _) => "true",
                    (None, true) => "false",
                    (None, false) => "none",
                };
                n.attrs.insert("locked".into(), Value::Text(locked.into()));
                // npm links a workspace's own packages, whatever range names them.
                if resolution == Some(&true) && n.text("source") == "registry" {
                    n.attrs
                        .insert("source".into(), Value::Text("workspace".into()));
                }
                if n.text("source") == "path" {
                    let path = local_path(n).to_string();
                    set(n, "outside", leaves(dir, &path));
                    n.attrs.insert("path".into(), Value::Text(path));
                }
            }
        }
    }
    for (ff, ds) in files.iter().zip(judged) {
        for delta in ds {
            deltas.push(FileDelta {
                file: ff,
                delta,
                moved: false,
            });
        }
    }
    join_moved(&mut deltas);
    // Direct dependencies a manifest of the change added or changed: (ecosystem, folder, name)
    // → the delta, where a lockfile entry's finding lands.
    let mut direct: HashMap<(&'static str, String), Vec<usize>> = HashMap::new();
    for (i, fd) in deltas.iter().enumerate() {
        let is_manifest = fd.file.kind.role() == Role::Manifest;
        if let (true, Some(n), DeltaKind::Added | DeltaKind::Changed) =
            (is_manifest, &fd.delta.new, &fd.delta.kind)
        {
            if n.kind == "dependency" {
                direct
                    .entry((fd.file.kind.ecosystem(), n.text("name").to_string()))
                    .or_default()
                    .push(i);
            }
        }
    }
    let mut out = Vec::new();
    for &ri in rule_ids {
        let Matcher::Fact(fm) = &rules.rules[ri].matcher else {
            continue;
        };
        if fm.kind == "lockfile" {
            out.extend(lockfiles_removed(rules, ri, fm, &files, changes));
            continue;
        }
        let mut reported = HashSet::new();
        for fd in &deltas {
            let Some(fact) = selected(fm, &fd.delta) else {
                continue;
            };
            // A lockfile entry of a direct dependency the change declared: at the manifest.
            let lock_dir = dir_of(path(fd.file));
            let at_manifest = (fd.file.kind.role() == Role::Lockfile)
                .then(|| direct.get(&(fd.file.kind.ecosystem(), fact.text("name").to_string())))
                .flatten()
                .and_then(|ids| {
                    ids.iter()
                        .map(|&i| &deltas[i])
                        .find(|m| holds(lock_dir, dir_of(path(m.file))))
                });
            let (place, place_delta) = match at_manifest {
                Some(m) => (m.file, &m.delta),
                // A lockfile the change adds speaks only of the dependencies it added.
                None if fd.file.kind.role() == Role::Lockfile && fd.file.old_text.is_none() => {
                    continue;
                }
                None => (fd.file, &fd.delta),
            };
            let Some(new_text) = &place.new_text else {
                continue;
            };
            // One finding for a package the lockfile holds at several paths (`a/node_modules/x`
            // and `b/node_modules/x` at one version).
            let once = (
                place.index,
                fact.text("name").to_string(),
                fact.text("version").to_string(),
            );
            if fd.file.kind.role() == Role::Lockfile && !reported.insert(once) {
                continue;
            }
            // (where a moved object lands: its new place, as if it were new there)
            let as_added;
            let place_delta = if fd.moved {
                as_added = Delta {
                    kind: DeltaKind::Added,
                    old: None,
                    new: place_delta.new.clone(),
                };
                &as_added
            } else {
                place_delta
            };
            if let Some(m) = raw_match(ri, fm, fact, &fd.delta, place_delta, place) {
                out.push(semantics::new_side_candidate(
                    rules,
                    place.index,
                    &changes.files[place.index],
                    new_text,
                    &place.changes,
                    m,
                ));
            }
        }
    }
    out
}

/// The fact of a delta that a rule selects, if it selects it.
fn selected<'d>(fm: &FactMatcher, d: &'d Delta) -> Option<&'d Fact> {
    if !fm.deltas.contains(&d.kind) {
        return None;
    }
    let fact = match d.kind {
        DeltaKind::Removed => d.old.as_ref()?,
        _ => d.new.as_ref()?,
    };
    if fact.kind != fm.kind || !fm.accepts(fact) {
        return None;
    }
    // A change reports what it brought about, not what already held before it (a rule with no
    // filter reports every change of its facts), unless the rule names the attributes whose
    // change it reports.
    if let (DeltaKind::Changed, Some(old)) = (&d.kind, &d.old) {
        if !fm.changed.is_empty() {
            if fm
                .changed
                .iter()
                .all(|a| old.attrs.get(a) == fact.attrs.get(a))
            {
                return None;
            }
        } else if (!fm.filter.is_empty() || !fm.filter_not.is_empty()) && fm.accepts(old) {
            return None;
        }
    }
    Some(fact)
}

/// The match a rule makes of `fact` (from delta `d`): at the name of the fact that `place_d`
/// holds in `place`'s new text (the fact itself, or the manifest entry of a locked package),
/// or, for a removal, at the place in the new text where it was removed.
fn raw_match(
    ri: usize,
    fm: &FactMatcher,
    fact: &Fact,
    d: &Delta,
    place_d: &Delta,
    place: &FileFacts,
) -> Option<RawMatch> {
    let new = place.new_text.as_ref()?;
    let mut captures: Vec<(String, String)> = fact
        .attrs
        .iter()
        .map(|(k, v)| (k.clone(), attr_text(v)))
        .collect();
    if let (DeltaKind::Changed, Some(o)) = (&d.kind, &d.old) {
        captures.extend(
            o.attrs
                .iter()
                .map(|(k, v)| (format!("before.{k}"), attr_text(v))),
        );
    }
    let (start, end) = match (&place_d.kind, &place_d.new) {
        (DeltaKind::Removed, _) | (_, None) => {
            let old_fact = place_d.old.as_ref()?;
            let old = place.old_text.as_ref()?;
            let line = place
                .changes
                .old_to_new(old.line_of(old_fact.span.0))
                .min(new.line_count().saturating_sub(1));
            new.line_range(line)
        }
        (_, Some(n)) => at_change(n, place_d, place, new),
    };
    // A literal key in the code (a provider block's `secret_key`) is a secret: masked in the
    // snippet, and one finding with the secrets pack's own for the same value.
    let secret = (fact.kind == "static-credential"
        && fact.text("literal") == "true"
        && place_d.new.as_ref().is_some_and(|n| n.span == (start, end)))
    .then_some((start, end));
    Some(RawMatch {
        identity: Some(identity(fm, fact, &d.kind)),
        ..RawMatch::at(ri, (start, end), captures, secret)
    })
}

/// What a fact finding's fingerprint is made of: the fact's kind, key and delta, and the values
/// of the attributes the rule reads (its filters and `changed:`). No line, no span, nor an
/// attribute the rule does not read: a bump of a new dependency's version, or a job's finding
/// landing on another line, keeps the fingerprint a baseline knows it by.
fn identity(fm: &FactMatcher, fact: &Fact, delta: &DeltaKind) -> String {
    let mut read: Vec<&str> = fm
        .filter
        .iter()
        .chain(&fm.filter_not)
        .map(|(a, _)| a.as_str())
        .chain(fm.changed.iter().map(String::as_str))
        .collect();
    read.sort();
    read.dedup();
    let mut out = format!(
        "{}\u{1f}{}\u{1f}{delta:?}",
        fact.kind,
        fact.key.join("\u{1e}")
    );
    for a in read {
        out.push('\u{1f}');
        out.push_str(a);
        out.push('=');
        out.push_str(&fact.attrs.get(a).map(attr_text).unwrap_or_default());
    }
    out
}

/// Where a fact of the new side is reported: its own span when the change touched that line;
/// else the first of its related spans the change touched (the scope line whose edit widened a
/// job); else, for a changed fact, the place in the new text of its old span (where the block
/// that gave it its value was removed); else its own span.
fn at_change(n: &Fact, d: &Delta, place: &FileFacts, new: &SideText) -> (usize, usize) {
    let touched = |span: &(usize, usize)| place.changes.is_added(new.line_of(span.0));
    if touched(&n.span) {
        return n.span;
    }
    // Infrastructure objects are blocks: a change inside one (an action added to a list, a
    // verb to a rule) is reported at its own line.
    let first_added = |span: &(usize, usize)| {
        let (a, b) = (new.line_of(span.0), new.line_of(span.1.max(span.0)));
        (a..=b).find(|&l| place.changes.is_added(l))
    };
    if place.kind.role() == Role::Infra {
        if let Some(line) = std::iter::once(&n.span)
            .chain(&n.related)
            .find_map(first_added)
        {
            return new.line_range(line);
        }
    }
    if let Some(r) = n.related.iter().find(|r| touched(r)) {
        return *r;
    }
    if let (DeltaKind::Changed, Some(o), Some(old)) = (&d.kind, &d.old, &place.old_text) {
        if o.span != n.span && place.changes.is_removed(old.line_of(o.span.0)) {
            let line = place
                .changes
                .old_to_new(old.line_of(o.span.0))
                .min(new.line_count().saturating_sub(1));
            return new.line_range(line);
        }
    }
    n.span
}

/// `lockfile` facts: one for each (ecosystem, folder) that has a lockfile on a side, joined
/// over the whole change. One the change takes away, while no manifest of its folder is
/// deleted with it, is reported on the deleted lockfile's first line.
fn lockfiles_removed(
    rules: &RuleSet,
    ri: usize,
    fm: &FactMatcher,
    files: &[FileFacts],
    changes: &ChangeSet,
) -> Vec<Candidate> {
    fn path(ff: &FileFacts) -> &str {
        ff.path.as_str()
    }
    let key = |ff: &FileFacts| (ff.kind.ecosystem(), dir_of(path(ff)).to_string());
    let still: HashSet<(&str, String)> = files
        .iter()
        .filter(|ff| ff.kind.role() == Role::Lockfile && ff.new_text.is_some())
        .map(key)
        .collect();
    // Lockfiles that are not part of the change stay as they are: only a deleted one can go.
    let mut out = Vec::new();
    for ff in files {
        let (Some(old), None) = (&ff.old_text, &ff.new_text) else {
            continue;
        };
        if ff.kind.role() != Role::Lockfile || still.contains(&key(ff)) {
            continue;
        }
        let (eco, dir) = key(ff);
        let manifest_deleted = files.iter().any(|m| {
            m.kind.role() == Role::Manifest
                && m.kind.ecosystem() == eco
                && m.new_text.is_none()
                && dir_of(path(m)) == dir
        });
        let p = path(ff);
        let file = p.rsplit('/').next().unwrap_or(p).to_string();
        let mut fact = Fact {
            kind: "lockfile",
            key: vec![eco.to_string(), dir.clone()],
            attrs: [
                ("ecosystem", eco.to_string()),
                ("file", file),
                (
                    "manifest",
                    if manifest_deleted { "deleted" } else { "kept" }.to_string(),
                ),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::Text(v)))
            .collect(),
            span: old.line_range(0),
            related: Vec::new(),
        };
        fact.span.1 = fact.span.1.max(fact.span.0);
        let d = Delta {
            kind: DeltaKind::Removed,
            old: Some(fact),
            new: None,
        };
        let Some(fact) = selected(fm, &d) else {
            continue;
        };
        let m = RawMatch {
            rule: ri,
            start: fact.span.0,
            end: fact.span.1,
            captures: fact
                .attrs
                .iter()
                .map(|(k, v)| (k.clone(), attr_text(v)))
                .collect(),
            secret: None,
            checksum_valid: None,
            looks_made_up: false,
            group: None,
            scope: false,
            identity: Some(identity(fm, fact, &DeltaKind::Removed)),
        };
        out.push(semantics::deleted_file_candidate(
            rules,
            ff.index,
            &changes.files[ff.index],
            old,
            m,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_inside_and_outside_the_repository() {
        assert!(!leaves("crates/a", "../b"));
        assert!(!leaves("", "vendor/lib"));
        assert!(leaves("crates/a", "../../../elsewhere"));
        assert!(leaves("", "../sibling"));
        assert!(leaves("web", "/opt/lib"));
        assert!(holds("", "web"));
        assert!(holds("web", "web/app"));
        assert!(!holds("web", "webapp"));
    }
}
