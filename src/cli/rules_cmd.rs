//! `diffward rules …`: list, explain, test, validate.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::rule_tests::run_examples;
use crate::rules::{RuleSelection, RuleSet};

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
    let width = set.rules.iter().map(|r| r.id.len()).max().unwrap_or(2);
    println!(
        "{:width$}  {:8}  {:7}  {:7}  TITLE",
        "ID", "SEVERITY", "DIFF", "LANG"
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
        println!(
            "{:width$}  {:8}  {:7}  {:7}  {}",
            r.id,
            r.severity.as_str(),
            r.diff.as_str(),
            langs,
            r.title
        );
    }
    println!("\n{} rules", set.rules.len());
    Ok(ExitCode::SUCCESS)
}

pub fn explain(id: &str, extra: &[PathBuf]) -> miette::Result<ExitCode> {
    let set = load(extra, true)?;
    let Some(r) = set.get(id) else {
        return Err(miette::miette!(
            code = "diffward::usage",
            help = "`diffward rules list` shows the rule ids",
            "no rule `{id}`"
        ));
    };
    println!("{}  ({})", r.title, r.id);
    println!();
    println!("category:   {}", r.category);
    println!("severity:   {}", r.severity);
    println!("confidence: {}", r.confidence.as_str());
    println!("diff:       {}", r.diff.as_str());
    if !r.languages.is_empty() {
        println!(
            "languages:  {}",
            r.languages
                .iter()
                .map(|l| l.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !r.cwe.is_empty() {
        println!("cwe:        {}", r.cwe.join(", "));
    }
    println!("defined in: {}", r.origin);
    println!();
    println!("{}", r.help.trim());
    if !r.references.is_empty() {
        println!();
        for u in &r.references {
            println!("- {u}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn test(paths: &[PathBuf]) -> miette::Result<ExitCode> {
    let set = load(paths, paths.is_empty())?;
    let summary = run_examples(&set);
    for f in &summary.failures {
        println!("FAIL {f}");
    }
    let passed = summary.examples - summary.failures.len();
    println!(
        "{} rules, {} examples: {passed} passed, {} failed",
        summary.rules,
        summary.examples,
        summary.failures.len()
    );
    Ok(if summary.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn validate(paths: &[PathBuf]) -> miette::Result<ExitCode> {
    let set = load(paths, paths.is_empty())?;
    let files: std::collections::BTreeSet<&str> =
        set.rules.iter().map(|r| r.origin.as_str()).collect();
    println!("ok: {} rules in {} files", set.rules.len(), files.len());
    Ok(ExitCode::SUCCESS)
}
