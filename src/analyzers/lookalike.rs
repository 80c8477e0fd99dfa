//! Whether a package name merely looks like a popular one: the typosquat check, offline,
//! against the bundled lists of popular packages per ecosystem (`rules/data/popular/`: npm from
//! npm-high-impact, MIT; PyPI and Go from guarddog's resources, Apache-2.0; see SOURCES.md
//! there). A name on the list is never a lookalike; another name is
//! one when it is a popular name (of the most popular `TARGETS`) with one letter added, dropped,
//! changed or two swapped, with its separators changed (`-`, `_`, `.`), with a common affix
//! (`-js`, `python-`), with a letter swapped for one that looks alike (`0`/`o`, `1`/`l`,
//! `rn`/`m`), or out of its scope (`@types/node` as `types-node`).

use std::collections::HashSet;
use std::sync::OnceLock;

const NPM_LIST: &str = include_str!("../../rules/data/popular/npm.txt");
const PYPI_LIST: &str = include_str!("../../rules/data/popular/pypi.txt");
const GO_LIST: &str = include_str!("../../rules/data/popular/go.txt");
const ACTIONS_LIST: &str = include_str!("../../rules/data/popular/actions.txt");

/// Only the most popular names are worth imitating; comparing against fewer of them keeps
/// new, real packages that happen to be one letter from an obscure one quiet.
const TARGETS: usize = 3000;
/// Names shorter than this are one edit from too many others to tell anything.
const MIN_LEN: usize = 5;

struct Popular {
    all: HashSet<&'static str>,
    /// The most popular names, in order, with their separator-free forms.
    targets: Vec<(&'static str, String)>,
    /// The names in their canonical form (`canonical`).
    bases: HashSet<String>,
    /// Words a lookalike adds before or after a popular name.
    affixes: &'static [&'static str],
}

impl Popular {
    fn from_list(ecosystem: &str, list: &'static str, affixes: &'static [&'static str]) -> Popular {
        let names: Vec<&'static str> = list
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        Popular {
            all: names.iter().copied().collect(),
            // (only Go's and the actions' canonical forms differ from the lists' spelling)
            bases: if matches!(ecosystem, "go" | "actions") {
                names.iter().map(|n| canonical(ecosystem, n)).collect()
            } else {
                HashSet::new()
            },
            targets: names
                .iter()
                .take(TARGETS)
                .map(|n| (*n, squash(&canonical(ecosystem, n))))
                .collect(),
            affixes,
        }
    }
}

/// The bundled list of an ecosystem, if it has one (an empty list is none: with it every name
/// would look unknown).
fn popular(ecosystem: &str) -> Option<&'static Popular> {
    popular_list(ecosystem).filter(|p| !p.all.is_empty())
}

fn popular_list(ecosystem: &str) -> Option<&'static Popular> {
    static NPM: OnceLock<Popular> = OnceLock::new();
    static PYPI: OnceLock<Popular> = OnceLock::new();
    static GO: OnceLock<Popular> = OnceLock::new();
    static ACTIONS: OnceLock<Popular> = OnceLock::new();
    Some(match ecosystem {
        "npm" => NPM.get_or_init(|| {
            Popular::from_list(
                "npm",
                NPM_LIST,
                &["js", "node", "npm", "lib", "cli", "core", "official", "dev"],
            )
        }),
        "pypi" => PYPI.get_or_init(|| {
            Popular::from_list(
                "pypi",
                PYPI_LIST,
                &["python", "py", "lib", "official", "dev", "cli"],
            )
        }),
        // No list of popular crates is bundled yet: no maintained package ships one, and the
        // registry's download counts are out of this build's reach (rules/data/popular/SOURCES.md).
        "go" => GO.get_or_init(|| Popular::from_list("go", GO_LIST, &[])),
        "actions" => {
            ACTIONS.get_or_init(|| Popular::from_list("actions", ACTIONS_LIST, &["action"]))
        }
        _ => return None,
    })
}

/// A name as the ecosystem's list spells it: PyPI names normalised; Go module paths without
/// their major version (`/v5`, `.v3`), so that a new major version of a popular module is that
/// module, not a lookalike of its older major.
fn canonical(ecosystem: &str, name: &str) -> String {
    match ecosystem {
        "pypi" => super::requirements::normalize(name),
        "go" => {
            let major = |s: &str, sep: char| {
                s.rsplit_once(sep).and_then(|(base, v)| {
                    (v.len() > 1
                        && v.starts_with('v')
                        && v[1..].bytes().all(|b| b.is_ascii_digit()))
                    .then(|| base.to_string())
                })
            };
            major(name, '/')
                .or_else(|| major(name, '.'))
                .unwrap_or_else(|| name.to_string())
        }
        // (GitHub's owner and repository names are case-insensitive)
        "actions" => name.to_ascii_lowercase(),
        _ => name.to_string(),
    }
}

/// Whether a name is on its ecosystem's list of popular packages (`None`: no list).
pub fn is_popular(ecosystem: &str, name: &str) -> Option<bool> {
    let p = popular(ecosystem)?;
    let c = canonical(ecosystem, name);
    Some(p.all.contains(name) || p.all.contains(c.as_str()) || p.bases.contains(&c))
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

/// The popular npm package `name` imitates, if it imitates one.
pub fn npm_lookalike(name: &str) -> Option<&'static str> {
    lookalike("npm", name)
}

/// The popular package of `ecosystem` that `name` imitates, if it imitates one.
pub fn lookalike(ecosystem: &str, name: &str) -> Option<&'static str> {
    let p = popular(ecosystem)?;
    if is_popular(ecosystem, name) == Some(true) {
        return None;
    }
    let s = squash(&canonical(ecosystem, name));
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
        for a in p.affixes {
            if s.strip_suffix(a).or_else(|| s.strip_prefix(a)) == Some(ts.as_str()) {
                return Some(target);
            }
        }
    }
    None
}

/// The popular GitHub Action (`owner/name`) that `action` (`owner/name[/path]`) imitates.
pub fn lookalike_action(action: &str) -> Option<&'static str> {
    let mut parts = action.splitn(3, '/');
    let (owner, name) = (parts.next()?, parts.next()?);
    let target = lookalike("actions", &format!("{owner}/{name}"))?;
    // An owner's own actions imitate nothing (`actions/checkout2` is GitHub's).
    let same_owner = target
        .split('/')
        .next()
        .is_some_and(|o| o.eq_ignore_ascii_case(owner));
    (!same_owner).then_some(target)
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
        for eco in ["npm", "pypi", "cargo", "go"] {
            let Some(list) = popular(eco) else {
                continue;
            };
            assert!(list.all.len() > 1000, "{eco}: {}", list.all.len());
            let flagged: Vec<&str> = list
                .all
                .iter()
                .copied()
                .filter(|n| lookalike(eco, n).is_some())
                .collect();
            assert!(flagged.is_empty(), "{eco}: {flagged:?}");
        }
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
    fn other_ecosystems_patterns() {
        assert_eq!(lookalike("pypi", "reqeusts"), Some("requests"));
        assert_eq!(lookalike("pypi", "python-requests"), Some("requests"));
        assert_eq!(
            lookalike("pypi", "Requests"),
            None,
            "pip's spelling of a popular name"
        );
        assert_eq!(lookalike("pypi", "djang0"), Some("django"));
        assert_eq!(
            lookalike("go", "github.com/sirupsen/logrsu"),
            Some("github.com/sirupsen/logrus")
        );
        assert_eq!(
            lookalike("go", "github.com/jackc/pgx/v9"),
            None,
            "a new major version"
        );
        assert_eq!(is_popular("go", "gopkg.in/yaml.v7"), Some(true));
        assert_eq!(is_popular("cargo", "serde"), None, "no list of crates yet");
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
