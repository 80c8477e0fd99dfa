//! A scan's baseline, applied to one change set: which version of the file counts, what the
//! change added to it, what the head already holds on lines the change left alone, renames.
//! The decisions themselves are `crate::suppress::policy`'s.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::engine::{self, ScanOptions, ScanOutput};
use crate::finding::{Notification, Side};
use crate::rules::RuleSet;
use crate::source::git::Repo;
use crate::source::{ChangeKind, ChangeSet, Content, FileChange};
use crate::suppress::baseline::{Baseline, Date};
use crate::suppress::policy::{self, BaselineOutcome, BaselineUse, Judging};

/// Where the baseline is, and how it reads on disk.
pub struct Source {
    /// Its path relative to the repository root (as reports and git name it).
    pub file: String,
    pub disk: Baseline,
}

/// `--baseline`, `[scan] baseline` of diffward.toml, or `.diffward-baseline.toml` at the root.
pub fn locate(
    flag: Option<&Path>,
    configured: Option<&Path>,
    no_baseline: bool,
    root: &Path,
) -> miette::Result<Option<Source>> {
    if no_baseline {
        return Ok(None);
    }
    let Some(path) = crate::suppress::baseline::locate(flag, configured, root) else {
        return Ok(None);
    };
    let disk = Baseline::load(&path)?;
    Ok(Some(Source {
        file: repo_relative(&path, root),
        disk,
    }))
}

/// `path` relative to the repository root when it lies inside it, with `/` separators.
pub fn repo_relative(path: &Path, root: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    match abs.strip_prefix(&root) {
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => path.display().to_string(),
    }
}

/// Which entries a scan of this kind of change can find unused.
pub fn judging(kind: &ChangeKind) -> Judging {
    match kind {
        ChangeKind::Paths => Judging::Files,
        ChangeKind::Range { base, .. } if is_empty_tree(base) => Judging::Everything,
        _ => Judging::Nothing,
    }
}

/// The empty tree, by either hash: a range from it is every commit up to the head.
fn is_empty_tree(rev: &str) -> bool {
    rev == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        || rev == "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"
}

/// Apply the baseline to one change set's findings.
pub fn apply(
    src: &Source,
    cs: &ChangeSet,
    repo: Option<&Repo>,
    rules: &RuleSet,
    opts: &ScanOptions,
    part: &mut ScanOutput,
) -> miette::Result<BaselineOutcome> {
    let judging = judging(&cs.kind);
    if part.findings.is_empty() && judging == Judging::Nothing {
        return Ok(BaselineOutcome::default()); // nothing to cover, nothing to judge
    }
    // A scan of commits judges by the baseline those commits hold, not by an edit of it that
    // nobody committed; a baseline that is not committed yet (a repository adopting diffward)
    // is read from the disk.
    let at = match &cs.kind {
        ChangeKind::Range { head, .. } => Some(head.clone()),
        ChangeKind::Staged => Some(String::new()), // `:path` names the index's entry
        // An agent's edit: the baseline the repository committed, not one the agent wrote.
        ChangeKind::Proposed => repo.and_then(|r| r.head.clone()),
        _ => None,
    };
    let committed = match (repo, &at) {
        (Some(repo), Some(rev)) => repo.file_at(rev, &src.file),
        _ => None,
    };
    let baseline = match committed {
        Some(bytes) => Baseline::parse(&String::from_utf8_lossy(&bytes)).map_err(|e| {
            miette::miette!(
                code = "diffward::baseline",
                help = "fix the file and commit it again, or scan without it: `--no-baseline`",
                "{} (as committed): {e}",
                src.file
            )
        })?,
        None => src.disk.clone(),
    };
    let (renames, note) = renames_if_needed(&baseline, &src.file, cs, repo, part, judging);
    if let Some(n) = note {
        part.notifications.push(n);
    }
    let preused = match judging {
        Judging::Nothing => unchanged_occurrences(&baseline, cs, rules, opts, part, &renames),
        _ => HashMap::new(),
    };
    let base_rev = match &cs.kind {
        ChangeKind::Paths => None,
        ChangeKind::Range { base, .. } => Some(base.clone()),
        _ => repo.and_then(|r| r.head.clone()),
    };
    let base_entries = match (&cs.kind, repo) {
        (ChangeKind::Paths, _) => None,
        (_, None) => Some(HashMap::new()),
        (_, Some(repo)) => Some(
            base_rev
                .and_then(|rev| repo.file_at(&rev, &src.file))
                .and_then(|bytes| Baseline::parse(&String::from_utf8_lossy(&bytes)).ok())
                .map(|old| {
                    old.entries
                        .into_iter()
                        .map(|e| ((e.rule, e.path, e.fingerprint), (e.count, e.expires)))
                        .collect()
                })
                .unwrap_or_default(),
        ),
    };
    let use_ = BaselineUse {
        baseline: &baseline,
        file: src.file.clone(),
        renames,
        base_entries,
        preused,
        unsuppressible: tagged(rules, "unsuppressible"),
        scanned: cs
            .files
            .iter()
            .flat_map(|f| std::iter::once(f.path.clone()).chain(f.old_path.clone()))
            .collect(),
        judging,
    };
    Ok(policy::apply_baseline(
        &mut part.findings,
        &mut part.suppressed,
        &use_,
        Date::today(),
    ))
}

/// The ids of the rules with this tag.
pub fn tagged(rules: &RuleSet, tag: &str) -> HashSet<String> {
    rules
        .rules
        .iter()
        .filter(|r| r.tags.iter().any(|t| t == tag))
        .map(|r| r.id.clone())
        .collect()
}

/// Renames since the baseline's commit, only when an entry could need them: a finding whose
/// rule and fingerprint an entry of another path has, or (for a scan that judges entries) an
/// entry of a file the scan did not read. `git log` over a long history is not free.
fn renames_if_needed(
    b: &Baseline,
    file: &str,
    cs: &ChangeSet,
    repo: Option<&Repo>,
    part: &ScanOutput,
    judging: Judging,
) -> (Vec<(String, String)>, Option<Notification>) {
    let (Some(repo), Some(commit)) = (repo, &b.commit) else {
        return (Vec::new(), None);
    };
    let keys: HashSet<(&str, &str, &str)> = b.entries.iter().map(|e| e.key()).collect();
    let by_rule_fp: HashSet<(&str, &str)> = b
        .entries
        .iter()
        .map(|e| (e.rule.as_str(), e.fingerprint.as_str()))
        .collect();
    let moved_finding = part.findings.iter().any(|f| {
        by_rule_fp.contains(&(f.rule_id.as_str(), f.fingerprint.as_str()))
            && !keys.contains(&(f.rule_id.as_str(), f.path.as_str(), f.fingerprint.as_str()))
    });
    let scanned: HashSet<&str> = cs.files.iter().map(|f| f.path.as_str()).collect();
    let unread_entry =
        judging != Judging::Nothing && b.entries.iter().any(|e| !scanned.contains(e.path.as_str()));
    if !moved_finding && !unread_entry {
        return (Vec::new(), None);
    }
    if repo.resolve(commit).is_err() {
        return (
            Vec::new(),
            Some(Notification {
                path: file.to_string(),
                message: format!(
                    "the baseline was written at commit {commit}, which this clone does not have: entries of renamed files are not followed (fetch more history, e.g. `fetch-depth: 0`, or run `diffward baseline update`)"
                ),
            }),
        );
    }
    let head = match &cs.kind {
        ChangeKind::Range { head, .. } => Some(head.as_str()),
        _ => None,
    };
    (repo.renames_since(commit, head).unwrap_or_default(), None)
}

/// For each baseline key a finding of this change hits, how many occurrences its file holds
/// on the head side beyond those the change added: the file is scanned whole (only the files
/// concerned, which is rare: a change's own findings are seldom in the baseline).
fn unchanged_occurrences(
    b: &Baseline,
    cs: &ChangeSet,
    rules: &RuleSet,
    opts: &ScanOptions,
    part: &ScanOutput,
    renames: &[(String, String)],
) -> HashMap<(String, String, String), u32> {
    let renamed_from: HashMap<&str, &str> = renames
        .iter()
        .map(|(then, now)| (now.as_str(), then.as_str()))
        .collect();
    let keys: HashSet<(&str, &str, &str)> = b.entries.iter().map(|e| e.key()).collect();
    let entry_path = |path: &str, rule: &str, fp: &str| -> Option<String> {
        [Some(path), renamed_from.get(path).copied()]
            .into_iter()
            .flatten()
            .find(|p| keys.contains(&(rule, *p, fp)))
            .map(str::to_string)
    };
    // Findings of the change that an entry names, per file.
    let mut added: HashMap<&str, HashMap<(String, String, String), u32>> = HashMap::new();
    for f in part.findings.iter().filter(|f| f.side == Side::Head) {
        if let Some(p) = entry_path(&f.path, &f.rule_id, &f.fingerprint) {
            *added
                .entry(f.path.as_str())
                .or_default()
                .entry((f.rule_id.clone(), p, f.fingerprint.clone()))
                .or_default() += 1;
        }
    }
    let mut out = HashMap::new();
    for (path, counts) in added {
        let Some(file) = cs.files.iter().find(|f| f.path == path) else {
            continue;
        };
        let whole = ChangeSet {
            root: cs.root.clone(),
            kind: ChangeKind::Paths,
            files: vec![FileChange {
                path: file.path.clone(),
                old_path: None,
                old: Content::Absent,
                new: file.new.clone(),
                hunks: None,
            }],
            notifications: Vec::new(),
            repo: None,
            context: Vec::new(),
        };
        let all = engine::scan(&whole, rules, opts.clone());
        for ((rule, entry_path, fp), n_added) in counts {
            let at_head = all
                .findings
                .iter()
                .filter(|f| f.rule_id == rule && f.fingerprint == fp)
                .count() as u32;
            let unchanged = at_head.saturating_sub(n_added);
            if unchanged > 0 {
                out.insert((rule, entry_path, fp), unchanged);
            }
        }
    }
    out
}
