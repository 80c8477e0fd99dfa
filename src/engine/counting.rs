//! Counting semantics for `removed` rules about tests: a test or an assertion is judged by its
//! identity and its count across the whole change, not by its text, because the text of tests
//! changes all the time without anything being lost (a formatter re-wraps an assertion, a test
//! is renamed, an expected value is updated, `called_once_with` becomes
//! `assert_called_once_with`).
//!
//! - `count.key` (tests): each match is a unit named by a capture. A name the change holds
//!   fewer times afterwards is a lost unit, unless a new name appeared in the same file to take
//!   its place (a rename); lost units left over after pairing are reported, each where it was.
//! - `count.within` (assertions): members are counted per unit (the innermost `@scope`, named by
//!   `@name`). A unit that still exists after the change but holds fewer members is reported
//!   once, where its first member was removed, with its name and the counts. A unit that is gone altogether is the
//!   business of the test rule; members outside every unit are not judged.

use std::collections::BTreeMap;

use super::semantics::{fill_captures, Candidate, Draft, Which};
use crate::rules::compile::Count;

/// The findings a counting rule reports: each with the candidate it stands for.
pub fn resolve<'a>(
    count: &Count,
    cands: &'a [Candidate],
    paths: &[&str],
) -> Vec<(&'a Candidate, Draft)> {
    match count {
        Count::Key(_) => lost_units(cands, paths),
        Count::Within(w) => units_that_lost_members(cands, w.strict.as_ref(), w.loose.as_ref()),
    }
}

fn lost_units<'a>(cands: &'a [Candidate], paths: &[&str]) -> Vec<(&'a Candidate, Draft)> {
    let mut old: BTreeMap<&str, Vec<&Candidate>> = BTreeMap::new();
    let mut new: BTreeMap<&str, Vec<&Candidate>> = BTreeMap::new();
    for c in cands {
        let Some(g) = c.group.as_deref() else {
            continue;
        };
        match c.which {
            Which::Old => old.entry(g).or_default().push(c),
            Which::New => new.entry(g).or_default().push(c),
        }
    }
    // Per file: the units lost (only those the change touched), and the units gained
    // (candidates for a rename).
    let lost = surplus(&old, &new, true);
    let gained = surplus(&new, &old, false);
    let mut out = Vec::new();
    // The bodies each file holds after the change, to tell a duplicate removed.
    let mut bodies_after: BTreeMap<usize, std::collections::HashSet<String>> = BTreeMap::new();
    for c in new.values().flatten() {
        if let Some(b) = body_of(c) {
            bodies_after.entry(c.order.0).or_default().insert(b);
        }
    }
    let is_duplicate = |c: &Candidate| {
        body_of(c).is_some_and(|b| bodies_after.get(&c.order.0).is_some_and(|s| s.contains(&b)))
    };
    for (file, losses) in lost {
        let gains = gained.get(&file).map_or(&[][..], Vec::as_slice);
        if replaced_by_neighbours(&losses, &gained, paths) {
            continue;
        }
        let mut relaxed = Vec::new();
        let mut left: Vec<&Candidate> = Vec::new();
        for (c, to) in unpaired(&losses, gains) {
            match (to, &c.draft) {
                (_, None) => {}
                // A test whose body another test of the file still has, word for word, was a
                // duplicate: nothing it checked is lost.
                (None, Some(_)) if is_duplicate(c) => {}
                (None, Some(_)) => left.push(c),
                (Some(to), Some(d)) => {
                    let mut d = (**d).clone();
                    d.message = format!(
                        "The test `{}` became `{}`: it no longer says it checks a refusal (was a guard relaxed?)",
                        c.group.as_deref().unwrap_or_default(),
                        to.group.as_deref().unwrap_or_default()
                    );
                    relaxed.push((c, d));
                }
            }
        }
        out.extend(relaxed);
        left.sort_by_key(|c| c.order);
        if left.len() > MAX_UNITS_PER_FILE {
            // A file that lost many tests at once (a feature removed with its tests, a test file
            // deleted): one finding that names the first few and counts the rest.
            let first = left[0];
            let Some(d) = &first.draft else { continue };
            let mut d = (**d).clone();
            let names: Vec<String> = left
                .iter()
                .take(MAX_UNITS_PER_FILE)
                .map(|c| format!("`{}`", c.group.as_deref().unwrap_or_default()))
                .collect();
            d.message = format!(
                "{} tests were removed from this file and no test took their place: {} and {} more",
                left.len(),
                names.join(", "),
                left.len() - MAX_UNITS_PER_FILE
            );
            out.push((first, d));
            continue;
        }
        for c in left {
            if let Some(d) = &c.draft {
                out.push((c, (**d).clone()));
            }
        }
    }
    out
}

/// A unit's body (the capture `body`), without blanks, to tell a pure rename or a duplicate.
fn body_of(c: &Candidate) -> Option<String> {
    let (_, caps) = c.matched.as_deref()?;
    let (_, body) = caps.iter().find(|(n, _)| n == "body")?;
    Some(body.chars().filter(|c| !c.is_whitespace()).collect())
}

/// The folder of a path (`""` at the root).
fn folder(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// A test file the change deleted whose tests reappear, under other names, in new tests of
/// files beside it (a test file split or rewritten as others): as many tests were gained next
/// to it as it lost.
fn replaced_by_neighbours(
    losses: &[&Candidate],
    gained: &BTreeMap<usize, Vec<&Candidate>>,
    paths: &[&str],
) -> bool {
    let Some(first) = losses.first() else {
        return false;
    };
    if !first.draft.as_deref().is_some_and(Draft::in_base) {
        return false;
    }
    let file = first.order.0;
    let Some(here) = paths.get(file).map(|p| folder(p)) else {
        return false;
    };
    let beside: usize = gained
        .iter()
        .filter(|(f, _)| **f != file && paths.get(**f).is_some_and(|p| folder(p) == here))
        .map(|(_, gains)| gains.len())
        .sum();
    beside >= losses.len()
}

/// The occurrences of each name on one side beyond its count on the other, by file: the ones
/// the change touched first, since those are the ones it removed or added.
fn surplus<'a>(
    mine: &BTreeMap<&str, Vec<&'a Candidate>>,
    theirs: &BTreeMap<&str, Vec<&'a Candidate>>,
    touched_only: bool,
) -> BTreeMap<usize, Vec<&'a Candidate>> {
    let mut out: BTreeMap<usize, Vec<&'a Candidate>> = BTreeMap::new();
    for (g, cands) in mine {
        let other = theirs.get(g).map_or(0, Vec::len);
        if cands.len() <= other {
            continue;
        }
        let mut cands = cands.clone();
        cands.sort_by_key(|c| (!c.touches, c.order));
        let extra = cands.len() - other;
        for c in cands.into_iter().take(extra) {
            if c.touches || !touched_only {
                out.entry(c.order.0).or_default().push(c);
            }
        }
    }
    out
}

/// Lost units of one file reported one by one; beyond this, one finding counts them.
const MAX_UNITS_PER_FILE: usize = 3;

/// How alike two names must be (`similar`'s ratio, 0 to 1) for one to be the other renamed:
/// `logs in` -> `logs in (browser CORS retry)` is 0.6, `caps step-up retries` -> `ignores a
/// late-firing reconnect after close()` 0.3.
const MIN_RENAME_LIKENESS: f32 = 0.4;

/// Words that say a test checks a refusal: a rename that drops them turns a test of a guard
/// into a test of something else (`test_requires_trusted_manifest` ->
/// `test_accepts_untrusted_manifest`), which is how a guard gets relaxed quietly.
const REFUSAL_WORDS: [&str; 14] = [
    "reject",
    "refuse",
    "require",
    "deny",
    "denies",
    "forbid",
    "raise",
    "error",
    "fail",
    "invalid",
    "unauthori",
    "block",
    "disallow",
    "prevent",
];

fn says_refusal(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    REFUSAL_WORDS.iter().any(|w| lower.contains(w))
}

/// The losses left when each gain is taken as the rename of the loss whose name is most like
/// its own; a loss whose rename drops every word of refusal is left too, with its new name.
fn unpaired<'a>(
    losses: &[&'a Candidate],
    gains: &[&'a Candidate],
) -> Vec<(&'a Candidate, Option<&'a Candidate>)> {
    let name = |c: &Candidate| c.group.clone().unwrap_or_default();
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for (i, l) in losses.iter().enumerate() {
        for (j, g) in gains.iter().enumerate() {
            let ratio = similar::TextDiff::from_chars(&name(l), &name(g)).ratio();
            pairs.push((ratio, i, j));
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let mut renamed_to: Vec<Option<usize>> = vec![None; losses.len()];
    let mut gain_taken = vec![false; gains.len()];
    for (ratio, i, j) in pairs {
        // Names with little in common are a test removed and another added, not a rename.
        if ratio < MIN_RENAME_LIKENESS {
            break;
        }
        if renamed_to[i].is_none() && !gain_taken[j] {
            renamed_to[i] = Some(j);
            gain_taken[j] = true;
        }
    }
    losses
        .iter()
        .zip(renamed_to)
        .filter_map(|(c, to)| match to {
            None => Some((*c, None)),
            Some(j) => {
                let (old, new) = (name(c), name(gains[j]));
                // Only the name changed: the test checks what it checked.
                let same_body = body_of(c).is_some_and(|b| body_of(gains[j]) == Some(b));
                (says_refusal(&old) && !says_refusal(&new) && !same_body)
                    .then_some((*c, Some(gains[j])))
            }
        })
        .collect()
}

/// Per unit: how many members, and how many exact checks, on each side; and the first member
/// (and first exact check) the change removed or rewrote.
#[derive(Default)]
struct Tally<'a> {
    before: usize,
    after: usize,
    strict_before: usize,
    strict_after: usize,
    first_removed: Option<&'a Candidate>,
    first_strict_removed: Option<&'a Candidate>,
}

fn earliest<'a>(slot: &mut Option<&'a Candidate>, c: &'a Candidate) {
    if slot.is_none_or(|f| c.order < f.order) {
        *slot = Some(c);
    }
}

fn units_that_lost_members<'a>(
    cands: &'a [Candidate],
    strict: Option<&(regex::Regex, String)>,
    loose: Option<&regex::Regex>,
) -> Vec<(&'a Candidate, Draft)> {
    let is_strict = |c: &Candidate| {
        c.matched.as_ref().is_some_and(|m| {
            strict.is_some_and(|(re, _)| re.is_match(&m.0))
                && !loose.is_some_and(|re| re.is_match(&m.0))
        })
    };
    // Per file and unit: two files that each hold a `test_validate` are two tests. (A unit
    // moved to another file is gone from its file, and new in the other: neither is judged.)
    let mut tally: BTreeMap<(usize, &str), Tally> = BTreeMap::new();
    let mut exists: std::collections::HashSet<(usize, &str)> = Default::default();
    for c in cands {
        let Some(name) = c.group.as_deref() else {
            continue;
        };
        let g = (c.order.0, name);
        match (c.which, c.scope) {
            (Which::New, true) => {
                exists.insert(g);
            }
            (Which::Old, false) => {
                let t = tally.entry(g).or_default();
                t.before += 1;
                let exact = is_strict(c);
                t.strict_before += usize::from(exact);
                if c.touches && c.draft.is_some() {
                    earliest(&mut t.first_removed, c);
                    if exact {
                        earliest(&mut t.first_strict_removed, c);
                    }
                }
            }
            (Which::New, false) => {
                let t = tally.entry(g).or_default();
                t.after += 1;
                t.strict_after += usize::from(is_strict(c));
            }
            (Which::Old, true) => {}
        }
    }
    let mut out = Vec::new();
    for ((file, g), t) in tally {
        if !exists.contains(&(file, g)) {
            continue;
        }
        let (member, template, before, after) = if t.after < t.before {
            (t.first_removed, None, t.before, t.after)
        } else if t.strict_after < t.strict_before {
            let template = strict.map(|(_, msg)| msg.as_str());
            (
                t.first_strict_removed,
                template,
                t.strict_before,
                t.strict_after,
            )
        } else {
            continue;
        };
        let Some(member) = member else { continue };
        let Some(d) = &member.draft else { continue };
        let mut d = (**d).clone();
        if let Some(template) = template {
            let captures = member.matched.as_deref().map_or(&[][..], |m| &m.1[..]);
            d.message = fill_captures(template, captures);
        }
        d.message = d
            .message
            .replace("{{name}}", g)
            .replace("{{before}}", &before.to_string())
            .replace("{{after}}", &after.to_string())
            .replace("{{lost}}", &(before - after).to_string());
        out.push((member, d));
    }
    out
}
