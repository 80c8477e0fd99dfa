//! Whether a package name merely looks like a popular one: the typosquat check, offline,
//! against the bundled list of popular packages (`rules/data/popular/`, from npm-high-impact,
//! MIT). A name on the list is never a lookalike; another name is one when it is a popular
//! name (of the most popular `TARGETS`) with one letter added, dropped, changed or two swapped,
//! with its separators changed (`-`, `_`, `.`), with a common affix (`-js`, `node-`), with a
//! letter swapped for one that looks alike (`0`/`o`, `1`/`l`, `rn`/`m`), or out of its scope
//! (`@types/node` as `types-node`).

use std::collections::HashSet;
use std::sync::OnceLock;

const NPM_LIST: &str = include_str!("../../rules/data/popular/npm.txt");

/// Only the most popular names are worth imitating; comparing against fewer of them keeps
/// new, real packages that happen to be one letter from an obscure one quiet.
const TARGETS: usize = 3000;
/// Names shorter than this are one edit from too many others to tell anything.
const MIN_LEN: usize = 5;

struct Popular {
    all: HashSet<&'static str>,
    /// The most popular names, in order, with their separator-free forms.
    targets: Vec<(&'static str, String)>,
}

fn npm() -> &'static Popular {
    static P: OnceLock<Popular> = OnceLock::new();
    P.get_or_init(|| {
        let names: Vec<&'static str> = NPM_LIST
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        Popular {
            all: names.iter().copied().collect(),
            targets: names
                .iter()
                .take(TARGETS)
                .map(|n| (*n, squash(n)))
                .collect(),
        }
    })
}

/// A name without its scope's `@`/`/`, its separators, and with look-alike letters folded.
fn squash(name: &str) -> String {
    name.to_ascii_lowercase()
        .replace("rn", "m")
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | '@' | '/'))
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            '3' => 'e',
            '5' => 's',
            _ => c,
        })
        .collect()
}

const AFFIXES: [&str; 8] = ["js", "node", "npm", "lib", "cli", "core", "official", "dev"];

/// The popular npm package `name` imitates, if it imitates one.
pub fn npm_lookalike(name: &str) -> Option<&'static str> {
    let p = npm();
    if p.all.contains(name) {
        return None;
    }
    let s = squash(name);
    if s.chars().count() < MIN_LEN {
        return None;
    }
    for (target, ts) in &p.targets {
        if ts.chars().count() < MIN_LEN - 1 {
            continue;
        }
        // Same letters once separators, scope and look-alikes are folded.
        if s == *ts {
            return Some(target);
        }
        if one_edit(&s, ts) {
            return Some(target);
        }
        for a in AFFIXES {
            if s.strip_suffix(a).or_else(|| s.strip_prefix(a)) == Some(ts.as_str()) {
                return Some(target);
            }
        }
    }
    None
}

/// Whether `a` is `b` with one letter inserted, deleted or replaced, or two neighbours swapped.
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return false;
    }
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if la == lb {
        let rest_equal = |from: usize| a[from..] == b[from..];
        // one replaced, or two neighbours swapped
        rest_equal(prefix + 1)
            || (prefix + 1 < la
                && a[prefix] == b[prefix + 1]
                && a[prefix + 1] == b[prefix]
                && rest_equal(prefix + 2))
    } else if la > lb {
        a[prefix + 1..] == b[prefix..]
    } else {
        b[prefix + 1..] == a[prefix..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_popular_package_is_a_lookalike() {
        let flagged: Vec<&str> = npm()
            .all
            .iter()
            .copied()
            .filter(|n| npm_lookalike(n).is_some())
            .collect();
        assert!(flagged.is_empty(), "{flagged:?}");
    }

    #[test]
    fn the_classic_patterns_are_caught() {
        let cases = [
            ("expresss", "express"),       // a letter doubled
            ("expres", "express"),         // a letter dropped
            ("lodahs", "lodash"),          // neighbours swapped
            ("cross_env", "cross-env"),    // separator
            ("crossenv", "cross-env"),     // separator dropped
            ("l0dash", "lodash"),          // homoglyph
            ("lodash-js", "lodash"),       // affix
            ("node-chalk", "chalk"),       // affix
            ("types-node", "@types/node"), // out of its scope
        ];
        for (name, target) in cases {
            assert_eq!(npm_lookalike(name), Some(target), "{name}");
        }
    }

    #[test]
    fn ordinary_new_names_are_not_lookalikes() {
        for n in [
            "my-company-internal-sdk",
            "zod-to-openapi-v4",
            "left-pad-ultra-plus",
        ] {
            assert_eq!(npm_lookalike(n), None, "{n}");
        }
    }
}
