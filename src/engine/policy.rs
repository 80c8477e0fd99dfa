//! What happens to findings after the diff semantics, per category: the test-path policy (every
//! pack but `checks`), one finding per secret (a provider rule over a generic one), and masking
//! every found secret wherever its value appears. The engine calls these once per scan; rules
//! and matchers know nothing of them.

use crate::finding::Finding;

use super::ScanOptions;

/// What to do with a finding in test code or test data, where secrets are often fake values
/// built for the test and insecure settings talk to mocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestPathPolicy {
    /// Report them at low confidence (a valid checksum keeps its high confidence).
    #[default]
    Lower,
    /// Report them like any other.
    Report,
    /// Leave them out.
    Skip,
}

/// Whether a path looks like test code or test data.
pub fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let file = lower.rsplit('/').next().unwrap_or(&lower);
    lower.split('/').any(|seg| {
        matches!(
            seg,
            "test"
                | "tests"
                | "__tests__"
                | "spec"
                | "specs"
                | "fixtures"
                | "testdata"
                | "testing"
                | "__fixtures__"
                | "mocks"
                | "__mocks__"
        )
    }) || file.starts_with("test_")
        || file.ends_with(".snap")
        || lower
            .split('/')
            .any(|seg| seg == "__snapshots__" || seg == "snapshots")
        || file.contains("_test.")
        || file.contains(".test.")
        || file.contains(".spec.")
        || file.contains("_spec.")
}

/// Test code and test data hold fake keys, `verify=False` against a mock server and lint
/// fixtures written to trip the linter: a finding there is lowered to low confidence (or
/// reported as it is, or left out, per `secrets-in-tests` / `findings-in-tests`). The
/// `checks` pack is about tests themselves, so it keeps its confidence.
pub fn apply_test_path_policy(opts: &ScanOptions, findings: &mut Vec<Finding>) {
    use crate::finding::{Category, Confidence};
    let policy = |f: &Finding| match f.category {
        Category::Checks => TestPathPolicy::Report,
        Category::Secrets => opts.secrets_in_tests,
        _ => opts.findings_in_tests,
    };
    findings.retain(|f| !(policy(f) == TestPathPolicy::Skip && is_test_path(&f.path)));
    for f in findings.iter_mut() {
        if policy(f) == TestPathPolicy::Lower
            && is_test_path(&f.path)
            && f.checksum_valid != Some(true)
        {
            f.confidence = Confidence::Low;
        }
    }
}

/// ARNs, account ids and bucket names are what infrastructure code is made of (a scoped
/// policy names its bucket and its key): the secrets pack's identifier notes are for code, not
/// for Terraform, CloudFormation, Kubernetes, compose or policy files, where they would flag
/// every line.
pub fn no_identifier_notes_in_infrastructure(
    findings: &mut Vec<Finding>,
    identifiers: &std::collections::HashSet<&str>,
    infrastructure: &std::collections::HashSet<String>,
) {
    use crate::analyzers::FileKind;
    findings.retain(|f| {
        let infra = infrastructure.contains(&f.path)
            || matches!(
                FileKind::of(&f.path),
                Some(FileKind::Terraform | FileKind::Compose)
            );
        !(identifiers.contains(f.rule_id.as_str()) && infra)
    });
}

/// Where two secret findings overlap (a provider rule and a generic rule on the same token),
/// keep only the more specific one: a provider rule over one tagged `generic`, then the higher
/// confidence, then the longer match. A finding of another pack that holds a secret (the
/// credentials pack's literal key in a provider block) yields to a secrets finding of the
/// same value.
pub fn one_finding_per_secret(
    findings: &mut Vec<Finding>,
    generic: &std::collections::HashSet<&str>,
) {
    use crate::finding::Category;
    let rank = |f: &Finding| {
        (
            f.category == Category::Secrets,
            !generic.contains(f.rule_id.as_str()),
            f.confidence,
            (f.region.end_line, f.region.end_column),
            std::cmp::Reverse((f.region.start_line, f.region.start_column)),
        )
    };
    let overlaps = |a: &Finding, b: &Finding| {
        a.path == b.path
            && a.side == b.side
            && a.change_index == b.change_index
            && (a.region.start_line, a.region.start_column)
                < (b.region.end_line, b.region.end_column)
            && (b.region.start_line, b.region.start_column)
                < (a.region.end_line, a.region.end_column)
    };
    let secrets: Vec<usize> = (0..findings.len())
        .filter(|&i| findings[i].category == Category::Secrets || findings[i].secret.is_some())
        .collect();
    let mut drop = vec![false; findings.len()];
    for (x, &i) in secrets.iter().enumerate() {
        for &j in &secrets[x + 1..] {
            if findings[j].path != findings[i].path {
                break;
            }
            if !drop[i] && !drop[j] && overlaps(&findings[i], &findings[j]) {
                if rank(&findings[i]) >= rank(&findings[j]) {
                    drop[j] = true;
                } else {
                    drop[i] = true;
                }
            }
        }
    }
    let mut keep = drop.iter().map(|d| !d);
    findings.retain(|_| keep.next().unwrap_or(true));
}

/// Every secret found anywhere in the change, masked wherever its value appears in any
/// finding's text: a password repeated on a context line, or inside a URL on the next line, is
/// masked even though no rule reported that line.
pub fn mask_every_occurrence(findings: &mut [Finding], mut values: Vec<String>) {
    values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    values.dedup();
    if values.is_empty() {
        return;
    }
    for f in findings {
        f.snippet = crate::redact::mask_values(&f.snippet, &values);
        f.context = crate::redact::mask_values(&f.context, &values);
        f.message = crate::redact::describe_values(&f.message, &values);
        if let Some(s) = &mut f.suppression {
            s.justification = crate::redact::describe_values(&s.justification, &values);
        }
    }
}

/// More findings of one rule in one file than this, for rules tagged `fold`, are one finding.
pub const FOLD_AFTER: usize = 3;

/// Rules tagged `fold` (a narrow suppression added, one low finding each) speak once per file
/// when a change adds many (a typing pass that adds twenty `# type: ignore[...]`): the first
/// finding stays, saying how many more there are and on which lines; the others go. `findings`
/// must be sorted (by path, then line).
pub fn fold_per_file(findings: &mut Vec<Finding>, folded: &std::collections::HashSet<&str>) {
    if folded.is_empty() {
        return;
    }
    let mut groups: std::collections::HashMap<(String, String), Vec<usize>> = Default::default();
    for (i, f) in findings.iter().enumerate() {
        if folded.contains(f.rule_id.as_str()) && f.suppression.is_none() {
            groups
                .entry((f.path.clone(), f.rule_id.clone()))
                .or_default()
                .push(i);
        }
    }
    let mut drop = std::collections::HashSet::new();
    for (_, idx) in groups {
        if idx.len() <= FOLD_AFTER {
            continue;
        }
        let lines: Vec<String> = idx[1..]
            .iter()
            .map(|&i| findings[i].region.start_line.to_string())
            .collect();
        let shown = lines.len().min(10);
        let more = if lines.len() > shown { ", …" } else { "" };
        let first = &mut findings[idx[0]];
        first.message = format!(
            "{} (and {} more like it in this file: lines {}{more})",
            first.message,
            lines.len(),
            lines[..shown].join(", ")
        );
        drop.extend(idx[1..].iter().copied());
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        !drop.contains(&(i - 1))
    });
}
