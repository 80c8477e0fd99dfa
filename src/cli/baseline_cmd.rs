//! `diffward baseline create|update FILE`: write the findings of a scan as a baseline.

use std::path::Path;
use std::process::ExitCode;

use miette::{Context, IntoDiagnostic};

use super::scan::{collect, Purpose, Scanned};
use super::ScanArgs;
use crate::source::git::Repo;
use crate::source::ChangeKind;
use crate::suppress::baseline::{Baseline, Entry};

pub fn create(file: &Path, args: &ScanArgs) -> miette::Result<ExitCode> {
    if file.exists() {
        return Err(miette::miette!(
            code = "diffward::usage",
            help = "`diffward baseline update {0}` refreshes it and keeps what its entries say",
            "{0} exists already",
            file.display()
        ));
    }
    let scanned = collect(args, Purpose::WriteBaseline)?;
    let commit = commit_of(&scanned);
    let b = Baseline::from_findings(acceptable(&scanned), &[], commit);
    write(file, &b, &scanned)?;
    eprintln!(
        "diffward: wrote {} ({}). Commit it: scans read .diffward-baseline.toml at the repository root, or the file `--baseline` or diffward.toml's `[scan] baseline` names.",
        file.display(),
        describe(&b.entries, acceptable(&scanned).count())
    );
    Ok(ExitCode::SUCCESS)
}

pub fn update(file: &Path, args: &ScanArgs) -> miette::Result<ExitCode> {
    let old = Baseline::load(file).map_err(|e| {
        miette::miette!(
            code = "diffward::usage",
            help = "`diffward baseline create FILE` writes a new one",
            "{e}"
        )
    })?;
    let scanned = collect(args, Purpose::WriteBaseline)?;
    let commit = commit_of(&scanned);
    // What entries say by hand follows their file across renames since the baseline's commit.
    let renames = match (Repo::discover(&scanned.root), &old.commit) {
        (Ok(repo), Some(c)) => {
            let head = match &scanned_kind(&scanned) {
                ChangeKind::Range { head, .. } => Some(head.clone()),
                _ => None,
            };
            repo.renames_since(c, head.as_deref()).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let keep: Vec<Entry> = old
        .entries
        .iter()
        .cloned()
        .map(|mut e| {
            if let Some((_, now)) = renames.iter().find(|(then, _)| *then == e.path) {
                e.path = now.clone();
            }
            e
        })
        .collect();
    let mut new = Baseline::from_findings(acceptable(&scanned), &keep, commit);
    // An entry this scan could not find unused (its file not read, a secret of the history in
    // a scan of files, any entry in a scan of a change) stays as it was.
    let judging = super::baselined::judging(&scanned.kind());
    let have: std::collections::HashSet<(String, String, String)> = new
        .entries
        .iter()
        .map(|e| (e.rule.clone(), e.path.clone(), e.fingerprint.clone()))
        .collect();
    for e in &keep {
        let key = (e.rule.clone(), e.path.clone(), e.fingerprint.clone());
        if !have.contains(&key) && !judging.judges(e, &scanned.scanned_files, &[]) {
            new.entries.push(e.clone());
        }
    }
    let key = |e: &Entry| (e.rule.clone(), e.path.clone(), e.fingerprint.clone());
    let before: std::collections::HashSet<_> = keep.iter().map(key).collect();
    let after: std::collections::HashSet<_> = new.entries.iter().map(key).collect();
    let added = after.difference(&before).count();
    let dropped = before.difference(&after).count();
    write(file, &new, &scanned)?;
    eprintln!(
        "diffward: updated {} ({}): {added} new, {dropped} dropped (they covered nothing), {} kept.",
        file.display(),
        describe(&new.entries, acceptable(&scanned).count()),
        after.intersection(&before).count()
    );
    Ok(ExitCode::SUCCESS)
}

/// The findings a baseline may accept: not the reports of suppressions themselves (rules
/// tagged `unsuppressible`, which no entry could silence).
fn acceptable(s: &Scanned) -> impl Iterator<Item = &crate::finding::Finding> {
    s.out.findings.iter().filter(|f| {
        !s.rules
            .get(&f.rule_id)
            .is_some_and(|r| r.tags.iter().any(|t| t == "unsuppressible"))
    })
}

fn scanned_kind(s: &Scanned) -> ChangeKind {
    s.kind()
}

/// The commit the baseline describes: the scanned range's head, else HEAD.
fn commit_of(s: &Scanned) -> Option<String> {
    match s.kind() {
        ChangeKind::Range { head, .. } => Some(head),
        _ => Repo::discover(&s.root).ok().and_then(|r| r.head),
    }
}

fn describe(entries: &[Entry], findings: usize) -> String {
    format!(
        "{} entr{} for {findings} finding{}",
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" },
        if findings == 1 { "" } else { "s" }
    )
}

fn write(file: &Path, b: &Baseline, s: &Scanned) -> miette::Result<()> {
    let text = b.render(|id| {
        s.rules
            .get(id)
            .map(|r| (r.severity.to_string(), r.title.clone()))
    });
    std::fs::write(file, text)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", file.display()))
}
