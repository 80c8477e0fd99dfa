//! Direction semantics for rules with `compare`: a number with a better side (a coverage
//! threshold, a bcrypt cost, a key size, a session lifetime, a rate limit) is judged by how the
//! change moved it, not by whether its text changed. Raising a threshold changes its line as
//! much as lowering it does; only the lowering weakened anything.
//!
//! - Every match of the rule on both sides is a candidate with its number (`compare.value`,
//!   read in seconds when it carries a time unit and per second when it is a rate) and its key
//!   (`compare.key`, or the match without its number).
//! - Old and new are paired by key: in each file first (unchanged occurrences with each other,
//!   then the rest in order), then across the change (a setting moved to another file), and for
//!   `removed` rules whatever is left in order (`--cov-fail-under=90` in one file became
//!   `fail_under = 90` in another).
//! - `added` rules (the pattern itself says the value is bad: `gensalt(rounds=4)`): a match on
//!   an added line is reported unless its pair before the change was as bad or worse.
//! - `removed` rules (any value: a threshold): a value on a removed line is reported when its
//!   pair after the change is worse (where the new value is, saying from what to what), or when
//!   it has no pair (removed, where it was).
//! - A number that cannot be read is compared by its text: changed counts as worse.

use std::collections::BTreeMap;

use super::semantics::{fill_captures, Candidate, Draft, Which};
use crate::rules::compile::Compare;
use crate::rules::schema::Better;
use crate::rules::{DiffMode, Rule};

/// The findings of a compare rule: each with the candidate whose fingerprint it carries.
pub fn resolve<'a>(
    rule: &Rule,
    cmp: &Compare,
    cands: &'a [Candidate],
) -> Vec<(&'a Candidate, Draft)> {
    let items: Vec<Item> = cands.iter().filter_map(|c| Item::of(cmp, c)).collect();
    let pairs = pair(&items, rule.diff == DiffMode::Removed);
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let c = item.cand;
        if !c.touches {
            continue;
        }
        let reported_side = match rule.diff {
            DiffMode::Removed => Which::Old,
            _ => Which::New,
        };
        if c.which != reported_side {
            continue;
        }
        let other = pairs.get(&i).map(|&j| &items[j]);
        let (old, new) = match c.which {
            Which::Old => (Some(item), other),
            Which::New => (other, Some(item)),
        };
        match (old, new) {
            (Some(old), Some(new)) => {
                if !worse(cmp.better, old, new) {
                    continue;
                }
                // Shown where the new value is, when the change touched it.
                let (at, draft) = match (&new.cand.draft, &old.cand.draft) {
                    (Some(d), _) if new.cand.touches => (new.cand, d),
                    (_, Some(d)) => (old.cand, d),
                    (Some(d), None) => (new.cand, d),
                    (None, None) => continue,
                };
                let mut d = (**draft).clone();
                d.message = weakened_message(rule, cmp, old, new);
                out.push((at, d));
            }
            // Nothing before it (`added`: a bad value introduced), or nothing after it
            // (`removed`: the setting is gone).
            _ if cmp.report_unpaired => {
                if let Some(d) = &c.draft {
                    out.push((c, (**d).clone()));
                }
            }
            _ => {}
        }
    }
    out
}

/// A candidate with the number and key it holds.
struct Item<'a> {
    cand: &'a Candidate,
    key: String,
    /// The number as written, for messages and for comparing what does not parse.
    shown: String,
    value: Option<f64>,
    captures: &'a [(String, String)],
}

impl<'a> Item<'a> {
    fn of(cmp: &Compare, c: &'a Candidate) -> Option<Item<'a>> {
        let (text, captures) = c.matched.as_deref()?;
        let cap = |name: &str| {
            captures
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let raw = cap(&cmp.value)?;
        // A unit captured on its own (`timedelta(days=7)`) belongs to the number.
        let unit = cap("unit").unwrap_or_default();
        let shown = format!("{} {}", unquote(raw), unit).trim().to_string();
        let key = match &cmp.key {
            Some(k) => fold(cap(k).unwrap_or_default()),
            None => fold(&text.replacen(raw, "", 1).replacen(unit, "", 1)),
        };
        Some(Item {
            cand: c,
            key,
            value: magnitude(&shown),
            shown,
            captures,
        })
    }
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '\''))
        .flat_map(char::to_lowercase)
        .collect()
}

fn unquote(s: &str) -> &str {
    s.trim()
        .trim_matches(|c| matches!(c, '"' | '\'' | '`'))
        .trim()
}

/// Is `new` on the worse side of `old`? A number that does not read is worse when its text
/// changed.
fn worse(better: Better, old: &Item, new: &Item) -> bool {
    match (old.value, new.value) {
        (Some(o), Some(n)) => match better {
            Better::Higher => n < o,
            Better::Lower => n > o,
        },
        _ => fold(&old.shown) != fold(&new.shown),
    }
}

fn weakened_message(rule: &Rule, cmp: &Compare, old: &Item, new: &Item) -> String {
    let template = cmp
        .message
        .clone()
        .unwrap_or_else(|| format!("{} (was {{{{before}}}}, now {{{{after}}}})", rule.message));
    let template = template
        .replace("{{before}}", &old.shown)
        .replace("{{after}}", &new.shown);
    fill_captures(&template, new.captures)
}

/// Pairs of items (index → index, both ways): by file and key, then by key across the change,
/// then (for `removed` rules) in order.
fn pair(items: &[Item], leftovers_in_order: bool) -> BTreeMap<usize, usize> {
    let mut pairs = BTreeMap::new();
    let link = |pairs: &mut BTreeMap<usize, usize>, a: usize, b: usize| {
        pairs.insert(a, b);
        pairs.insert(b, a);
    };
    type Sides = (Vec<usize>, Vec<usize>);
    let group = |pairs: &BTreeMap<usize, usize>, by_file: bool, by_key: bool| {
        let mut groups: BTreeMap<(usize, &str), Sides> = BTreeMap::new();
        for (i, it) in items.iter().enumerate() {
            if pairs.contains_key(&i) {
                continue;
            }
            let file = if by_file { it.cand.order.0 } else { 0 };
            let key = if by_key { it.key.as_str() } else { "" };
            let g = groups.entry((file, key)).or_default();
            match it.cand.which {
                Which::Old => g.0.push(i),
                Which::New => g.1.push(i),
            }
        }
        groups
    };
    let by_order = |v: &mut Vec<usize>| v.sort_by_key(|&i| items[i].cand.order);
    // In each file: unchanged occurrences pair with each other first (same value, neither
    // touched by the change), then the rest in order.
    for (_, (mut old, mut new)) in group(&pairs, true, true) {
        by_order(&mut old);
        by_order(&mut new);
        let mut used_new = vec![false; new.len()];
        let mut rest_old = Vec::new();
        for &o in &old {
            let same = new.iter().enumerate().position(|(k, &n)| {
                !used_new[k]
                    && !items[o].cand.touches
                    && !items[n].cand.touches
                    && items[o].shown == items[n].shown
            });
            match same {
                Some(k) => {
                    used_new[k] = true;
                    link(&mut pairs, o, new[k]);
                }
                None => rest_old.push(o),
            }
        }
        let rest_new = new
            .iter()
            .enumerate()
            .filter(|(k, _)| !used_new[*k])
            .map(|(_, &n)| n);
        for (o, n) in rest_old.into_iter().zip(rest_new) {
            link(&mut pairs, o, n);
        }
    }
    let passes: &[bool] = if leftovers_in_order {
        &[true, false]
    } else {
        &[true]
    };
    for &by_key in passes {
        for (_, (mut old, mut new)) in group(&pairs, false, by_key) {
            by_order(&mut old);
            by_order(&mut new);
            for (o, n) in old.into_iter().zip(new) {
                link(&mut pairs, o, n);
            }
        }
    }
    pairs
}

/// The size of a number as written: plain (`90`, `1_000`, `"12"`), a time in seconds (`30s`,
/// `15m`, `"7 days"`, `1h`), or a rate per second (`5 per minute`, `100/hour`).
pub fn magnitude(written: &str) -> Option<f64> {
    let mut t = unquote(written);
    // A product of literals (`60 * 24 * 8`, `1000 * 60 * 60`), as settings often write times.
    let mut number = 1.0;
    loop {
        let end = t
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || c == '_' || (i == 0 && c == '-')))
            .map_or(t.len(), |(i, _)| i);
        number *= t[..end].replace('_', "").parse::<f64>().ok()?;
        t = t[end..].trim_start();
        match t.strip_prefix('*') {
            Some(more) if !more.starts_with('*') => t = more.trim_start(),
            _ => break,
        }
    }
    let rest = t.trim().to_ascii_lowercase();
    if rest.is_empty() || rest == "%" {
        return Some(number);
    }
    // A rate: `N per [M] unit`, `N/[M]unit`.
    if let Some(per) = rest.strip_prefix("per").or_else(|| rest.strip_prefix('/')) {
        let per = per.trim();
        let digits = per.find(|c: char| !c.is_ascii_digit()).unwrap_or(per.len());
        let times: f64 = if digits == 0 {
            1.0
        } else {
            per[..digits].parse().ok()?
        };
        return seconds(&per[digits..]).map(|s| number / (s * times));
    }
    seconds(&rest).map(|s| number * s)
}

/// A time unit in seconds.
fn seconds(unit: &str) -> Option<f64> {
    let unit = unit.trim();
    let s = match unit {
        "ms" | "millisecond" | "milliseconds" => 0.001,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "week" | "weeks" => 604_800.0,
        "y" | "year" | "years" => 31_536_000.0,
        _ => return None,
    };
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::magnitude;

    #[test]
    fn numbers_times_and_rates_are_read_in_one_scale() {
        assert_eq!(magnitude("90"), Some(90.0));
        assert_eq!(magnitude("\"12\""), Some(12.0));
        assert_eq!(magnitude("1_000"), Some(1000.0));
        assert_eq!(magnitude("85.5"), Some(85.5));
        assert_eq!(magnitude("'1h'"), Some(3600.0));
        assert_eq!(magnitude("7 days"), Some(604_800.0));
        assert_eq!(magnitude("30m"), Some(1800.0));
        assert_eq!(magnitude("5 per minute"), Some(5.0 / 60.0));
        assert_eq!(magnitude("100/hour"), Some(100.0 / 3600.0));
        assert_eq!(magnitude("10 per 1 second"), Some(10.0));
        assert_eq!(magnitude("100 per 15 minutes"), Some(100.0 / 900.0));
        assert_eq!(magnitude("5/m"), Some(5.0 / 60.0));
        assert_eq!(magnitude("60 * 24 * 8"), Some(11520.0));
        assert_eq!(magnitude("1000 * 60 * 60"), Some(3_600_000.0));
        assert_eq!(magnitude("2 ** 10"), None);
        assert_eq!(magnitude("lots"), None);
        assert_eq!(magnitude("5 parsecs"), None);
    }
}
