//! Fact rules in the per-file pass: extract the facts of both sides of a manifest once, join
//! them by key (`analyzers::delta`), and turn each delta a rule selects into a candidate at the
//! fact's place in the new text, so allow comments, redaction, snippets and reports treat it like
//! any other finding. Fact rules are `any` rules for the semantics: the delta has already said
//! what the change did.

use super::matcher::RawMatch;
use super::semantics::{self, Candidate};
use super::text::SideText;
use crate::analyzers::{self, DeltaKind, Fact, FileKind, Value};
use crate::finding::Notification;
use crate::rules::compile::FactMatcher;
use crate::rules::{Matcher, RuleSet};
use crate::source::linediff::LineChanges;
use crate::source::FileChange;

/// The facts of one side, or a note when it does not parse.
fn facts_of(
    kind: FileKind,
    text: Option<&SideText>,
    path: &str,
    notes: &mut Vec<Notification>,
) -> Option<Vec<Fact>> {
    let Some(t) = text else {
        return Some(Vec::new());
    };
    match analyzers::extract(kind, &t.text) {
        Ok(f) => Some(f),
        Err(why) => {
            notes.push(Notification {
                path: path.to_string(),
                message: why,
            });
            None
        }
    }
}

fn attr_text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::List(l) => l.join(", "),
    }
}

/// The candidates of the fact rules `rule_ids` for one file.
#[allow(clippy::too_many_arguments)]
pub fn candidates(
    rules: &RuleSet,
    rule_ids: &[usize],
    index: usize,
    f: &FileChange,
    old: Option<&SideText>,
    new: Option<&SideText>,
    changes: &LineChanges,
    notes: &mut Vec<Notification>,
) -> Vec<Candidate> {
    let Some(kind) = FileKind::of(&f.path) else {
        return Vec::new();
    };
    let Some(new_text) = new else {
        // A deleted manifest: its facts are gone with it; what that means (a lockfile left
        // alone) is a rule about files, not facts.
        return Vec::new();
    };
    let (Some(old_facts), Some(new_facts)) = (
        facts_of(kind, old, &f.path, notes),
        facts_of(kind, Some(new_text), &f.path, notes),
    ) else {
        return Vec::new();
    };
    let deltas = analyzers::delta(old_facts, new_facts);
    let mut out = Vec::new();
    for &ri in rule_ids {
        let Matcher::Fact(fm) = &rules.rules[ri].matcher else {
            continue;
        };
        for d in &deltas {
            if let Some(m) = raw_match(ri, fm, d, new_text, old, changes) {
                out.push(semantics::new_side_candidate(
                    rules, index, f, new_text, changes, m,
                ));
            }
        }
    }
    out
}

/// The match a rule makes of a delta: at the fact's name in the new text, or, for a removal,
/// at the place in the new text where it was removed.
fn raw_match(
    ri: usize,
    fm: &FactMatcher,
    d: &analyzers::Delta,
    new: &SideText,
    old: Option<&SideText>,
    changes: &LineChanges,
) -> Option<RawMatch> {
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
    let (start, end) = match d.kind {
        DeltaKind::Removed => {
            let old = old?;
            let line = changes
                .old_to_new(old.line_of(fact.span.0))
                .min(new.line_count().saturating_sub(1));
            new.line_range(line)
        }
        _ => fact.span,
    };
    Some(RawMatch {
        rule: ri,
        start,
        end,
        captures,
        secret: None,
        checksum_valid: None,
        looks_made_up: false,
        group: None,
        scope: false,
    })
}
