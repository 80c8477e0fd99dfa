//! `diffward rules …`: list, explain, test, validate.

use std::path::PathBuf;
use std::process::ExitCode;

use super::emit;
use crate::rule_tests::run_examples;
use crate::rules::{RuleSelection, RuleSet};

/// Append a line to a buffer that `emit` writes to standard output at once.
macro_rules! outln {
    ($out:ident) => {
        $out.push('\n')
    };
    ($out:ident, $($arg:tt)*) => {{
        $out.push_str(&format!($($arg)*));
        $out.push('\n');
    }};
}

fn load(extra: &[PathBuf], builtin: bool) -> miette::Result<RuleSet> {
    Ok(RuleSet::load(&RuleSelection {
        builtin,
        extra: extra.to_vec(),
        validate_builtin: true,
        ..Default::default()
    })?)
}

pub fn list(extra: &[PathBuf]) -> miette::Result<ExitCode> {
    let set = load(extra, true)?;
    let mut out = String::new();
    let width = set.rules.iter().map(|r| r.id.len()).max().unwrap_or(2);
    outln!(
        out,
        "{:width$}  {:8}  {:7}  {:7}  TITLE",
        "ID",
        "SEVERITY",
        "DIFF",
        "LANG"
    );
    for r in &set.rules {
        let langs = if r.languages.is_empty() {
            "any".to_string()
        } else {
            r.languages
                .iter()
                .map(|l| l.name())
                .collect::<Vec<_>>()
                .join(",")
        };
        outln!(
            out,
            "{:width$}  {:8}  {:7}  {:7}  {}",
            r.id,
            r.severity.as_str(),
            r.diff.as_str(),
            langs,
            r.title
        );
    }
    outln!(out, "\n{} rules", set.rules.len());
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

pub fn explain(id: &str, extra: &[PathBuf]) -> miette::Result<ExitCode> {
    let set = load(extra, true)?;
    let mut out = String::new();
    let Some(r) = set.get(id) else {
        return Err(miette::miette!(
            code = "diffward::usage",
            help = "`diffward rules list` shows the rule ids",
            "no rule `{id}`"
        ));
    };
    outln!(out, "{}  ({})", r.title, r.id);
    outln!(out);
    outln!(out, "category:   {}", r.category);
    outln!(out, "severity:   {}", r.severity);
    outln!(out, "confidence: {}", r.confidence.as_str());
    outln!(out, "diff:       {}", r.diff.as_str());
    if !r.languages.is_empty() {
        outln!(
            out,
            "languages:  {}",
            r.languages
                .iter()
                .map(|l| l.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !r.cwe.is_empty() {
        outln!(out, "cwe:        {}", r.cwe.join(", "));
    }
    outln!(out, "defined in: {}", r.origin);
    outln!(out);
    outln!(out, "{}", r.help.trim());
    if !r.references.is_empty() {
        outln!(out);
        for u in &r.references {
            outln!(out, "- {u}");
        }
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

pub fn test(paths: &[PathBuf]) -> miette::Result<ExitCode> {
    let set = load(paths, paths.is_empty())?;
    let mut out = String::new();
    let summary = run_examples(&set);
    for f in &summary.failures {
        outln!(out, "FAIL {f}");
    }
    let passed = summary.examples - summary.failures.len();
    outln!(
        out,
        "{} rules, {} examples: {passed} passed, {} failed",
        summary.rules,
        summary.examples,
        summary.failures.len()
    );
    emit(&out);
    Ok(if summary.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn validate(paths: &[PathBuf]) -> miette::Result<ExitCode> {
    let set = load(paths, paths.is_empty())?;
    let mut out = String::new();
    let files: std::collections::BTreeSet<&str> =
        set.rules.iter().map(|r| r.origin.as_str()).collect();
    outln!(
        out,
        "ok: {} rules in {} files",
        set.rules.len(),
        files.len()
    );
    emit(&out);
    Ok(ExitCode::SUCCESS)
}
