//! A change to a big lockfile touches a few of its entries. Parsing both sides whole costs
//! what the file weighs (a YAML or TOML parser reads 5 MB in a few hundred milliseconds), so
//! both sides are first cut into their entry blocks, which the package managers write one
//! after another with a header line each; blocks whose text is the same on both sides are
//! unchanged entries and are not parsed. The blocks that differ are parsed by the format's own
//! parser, put together after the file's preamble, and their positions mapped back.
//!
//! Where a side does not have the layout the package manager writes (no block headers found,
//! or an old poetry.lock that keeps its hashes apart from the entries), both sides are parsed
//! whole, as `entries` does.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::{entries, host_of, join, Joined, Locked};
use crate::analyzers::requirements::normalize;
use crate::analyzers::FileKind;

/// One entry as written: its text (the header line and the lines under it), where it starts,
/// and its package name, read off the header or the block's `name =` line.
struct Block<'t> {
    text: &'t str,
    at: usize,
    name: Cow<'t, str>,
}

/// A side cut into its preamble (what comes before the first entry) and its entries.
struct Cut<'t> {
    preamble: &'t str,
    blocks: Vec<Block<'t>>,
}

/// The line-start offsets of `text` with each line.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    text.split_inclusive('\n').map(move |l| {
        let start = at;
        at += l.len();
        (start, l)
    })
}

/// Cut `text` at the lines `starts` accepts; `ends` says which line, not being a start, ends
/// the current block (its text then belongs to no block).
fn cut_at<'t>(
    text: &'t str,
    starts: impl Fn(&str) -> bool,
    ends: impl Fn(&str) -> bool,
    name: impl Fn(&'t str) -> Option<Cow<'t, str>>,
) -> Option<Cut<'t>> {
    let mut blocks = Vec::new();
    let mut open: Option<usize> = None;
    let mut preamble_end = None;
    let close = |from: usize, to: usize, blocks: &mut Vec<Block<'t>>| -> Option<()> {
        let body = &text[from..to];
        blocks.push(Block {
            text: body,
            at: from,
            name: name(body)?,
        });
        Some(())
    };
    for (at, line) in lines(text) {
        let l = line.trim_end_matches(['\n', '\r']);
        if starts(l) {
            if let Some(from) = open.take() {
                close(from, at, &mut blocks)?;
            }
            preamble_end.get_or_insert(at);
            open = Some(at);
        } else if open.is_some() && ends(l) {
            let from = open.take()?;
            close(from, at, &mut blocks)?;
        }
    }
    if let Some(from) = open {
        close(from, text.len(), &mut blocks)?;
    }
    Some(Cut {
        preamble: &text[..preamble_end?],
        blocks,
    })
}

fn toml_name(block: &str) -> Option<Cow<'_, str>> {
    let line = block.lines().find_map(|l| l.strip_prefix("name = \""))?;
    Some(Cow::Borrowed(line.strip_suffix('"')?))
}

/// The entry blocks of a lockfile side, if it has the package manager's layout.
fn cut(kind: FileKind, text: &str) -> Option<Cut<'_>> {
    match kind {
        FileKind::CargoLock | FileKind::UvLock | FileKind::PoetryLock => {
            if text.contains("\n[metadata.files]") {
                return None;
            }
            let python = kind != FileKind::CargoLock;
            cut_at(
                text,
                |l| l == "[[package]]",
                |l| {
                    l.starts_with('[')
                        && !l.starts_with("[package.")
                        && !l.starts_with("[[package.")
                },
                move |b| toml_name(b).map(|n| if python { Cow::Owned(normalize(&n)) } else { n }),
            )
        }
        FileKind::YarnLock => cut_at(
            text,
            |l| {
                let first = l.chars().next().unwrap_or(' ');
                !first.is_whitespace()
                    && first != '#'
                    && l.ends_with(':')
                    && !l.starts_with("__metadata")
            },
            |l| l.starts_with("__metadata"),
            |b| {
                let header = b.lines().next()?.trim_start_matches('"');
                let descriptor = header.split([',', '"']).next()?;
                let at = descriptor.get(1..)?.find('@')? + 1;
                Some(Cow::Borrowed(&descriptor[..at]))
            },
        ),
        FileKind::PnpmLock => {
            // Only the `packages:` section: it ends at the next unindented line.
            let start = text.find("\npackages:\n")? + 1;
            let body = start + "packages:\n".len();
            let end = lines(&text[body..])
                .find(|(_, l)| {
                    l.chars()
                        .next()
                        .is_some_and(|c| !c.is_whitespace() && c != '#')
                })
                .map_or(text.len(), |(at, _)| body + at);
            let mut c = cut_at(
                &text[body..end],
                |l| {
                    l.strip_prefix("  ")
                        .is_some_and(|k| !k.starts_with(' ') && k.ends_with(':'))
                },
                |_| false,
                |b| {
                    let key = b.lines().next()?.trim().trim_end_matches(':');
                    let key = key.trim_matches(['\'', '"']).trim_start_matches('/');
                    let at = key
                        .get(1..)?
                        .find('@')
                        .map(|i| i + 1)
                        .or_else(|| key.rfind('/'))?;
                    Some(Cow::Owned(key[..at].to_string()))
                },
            )?;
            for b in &mut c.blocks {
                b.at += body;
            }
            // The preamble the parser needs is the section's own header.
            c.preamble = "packages:\n";
            Some(c)
        }
        FileKind::PackageLock => {
            // `"packages"` entries, four spaces in, each closed by `    }` (v2 and v3; a v1
            // lockfile has no such section and is read whole).
            let start = text.find("\n  \"packages\": {\n")? + 1;
            let body = start + "  \"packages\": {\n".len();
            let end = text[body..]
                .find("\n  }")
                .map_or(text.len(), |i| body + i + 1);
            let mut c = cut_at(
                &text[body..end],
                |l| l.starts_with("    \"") && l.ends_with("\": {"),
                |l| l.starts_with("  }"),
                |b| {
                    let key = b.strip_prefix("    \"")?.split('"').next()?;
                    // the package an install path holds (`a/node_modules/@s/b` → `@s/b`)
                    let name = key.rfind("node_modules/").map_or(key, |i| &key[i + 13..]);
                    Some(Cow::Borrowed(name))
                },
            )?;
            for b in &mut c.blocks {
                b.at += body;
            }
            c.preamble = "{\"packages\": {\n";
            Some(c)
        }
        FileKind::GoSum => {
            let c = cut_at(
                text,
                |l| !l.trim().is_empty(),
                |_| false,
                |b| Some(Cow::Borrowed(b.split_whitespace().next()?)),
            )?;
            Some(Cut { preamble: "", ..c })
        }
        _ => None,
    }
}

/// The hosts of every URL in a text: a superset of the hosts its entries use.
fn hosts_in(text: &str) -> HashSet<String> {
    memchr::memmem::find_iter(text.as_bytes(), b"://")
        .map(|i| {
            let start = text[..i]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '+'))
                .map_or(0, |j| j + 1);
            host_of(
                &text[start
                    ..text[i..]
                        .find(['"', '\'', ' ', '\n'])
                        .map_or(text.len(), |e| i + e)],
            )
            .to_ascii_lowercase()
        })
        .filter(|h| !h.is_empty())
        .collect()
}

/// Parse the given blocks of a side, after its preamble, with the format's own parser; the
/// entries' spans are mapped back into the side's text.
fn parse_blocks(
    kind: FileKind,
    cut: &Cut<'_>,
    pick: &[usize],
) -> Result<Vec<Locked<'static>>, String> {
    if pick.is_empty() {
        return Ok(Vec::new());
    }
    let json = kind == FileKind::PackageLock;
    let mut text = String::from(cut.preamble);
    let mut map = Vec::new(); // (offset in `text`, offset in the side, length)
    for (n, &i) in pick.iter().enumerate() {
        let b = &cut.blocks[i];
        map.push((text.len(), b.at, b.text.len()));
        if json {
            // entries are separated by commas; the last one of the side has none
            let body = b.text.trim_end();
            text.push_str(body.strip_suffix(',').unwrap_or(body));
            text.push_str(if n + 1 < pick.len() { ",\n" } else { "\n" });
        } else {
            text.push_str(b.text);
            if !b.text.ends_with('\n') {
                text.push('\n');
            }
        }
    }
    if json {
        text.push_str("}}\n");
    }
    let parsed = entries(kind, &text)?;
    Ok(parsed
        .into_iter()
        .map(|e| {
            let (from, to, _) = map
                .iter()
                .rev()
                .find(|(from, _, _)| *from <= e.span.0)
                .copied()
                .unwrap_or((0, 0, 0));
            let shift = |x: usize| x - from + to;
            Locked {
                key: Cow::Owned(e.key.into_owned()),
                name: Cow::Owned(e.name.into_owned()),
                version: Cow::Owned(e.version.into_owned()),
                host: Cow::Owned(e.host.into_owned()),
                span: (shift(e.span.0.max(from)), shift(e.span.1.max(from))),
                ..e
            }
        })
        .collect())
}

/// The names of a side's entries, read off its blocks (`None`: not the package manager's layout).
pub fn names(kind: FileKind, text: &str) -> Option<HashMap<String, bool>> {
    let cut = cut(kind, text)?;
    Some(resolved_names(&cut))
}

/// Each entry's name, and whether it is an npm link to a workspace member.
fn resolved_names(cut: &Cut<'_>) -> HashMap<String, bool> {
    cut.blocks
        .iter()
        .map(|b| (b.name.to_string(), b.text.contains("\"link\": true")))
        .collect()
}

/// Both sides of a changed lockfile joined, parsing only the entries whose text changed.
pub fn changed_entries(kind: FileKind, old: Option<&str>, new: &str) -> Result<Joined, String> {
    let whole = || -> Result<Joined, String> {
        let old_entries = match old {
            Some(o) => Some(entries(kind, o).map_err(|e| format!("before the change, {e}"))?),
            None => None,
        };
        let hosts = old_entries.as_ref().map(|o| {
            o.iter()
                .map(|e| e.host.to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect::<HashSet<_>>()
        });
        let new_entries = entries(kind, new)?;
        Ok(join(
            old_entries.unwrap_or_default(),
            new_entries,
            hosts.as_ref(),
            None,
        ))
    };
    let (Some(old), Some(new_cut)) = (old, cut(kind, new)) else {
        return whole();
    };
    let Some(old_cut) = cut(kind, old) else {
        return whole();
    };
    let old_texts: HashSet<&str> = old_cut.blocks.iter().map(|b| b.text).collect();
    let new_texts: HashSet<&str> = new_cut.blocks.iter().map(|b| b.text).collect();
    let new_pick: Vec<usize> = (0..new_cut.blocks.len())
        .filter(|&i| !old_texts.contains(new_cut.blocks[i].text))
        .collect();
    let old_pick: Vec<usize> = (0..old_cut.blocks.len())
        .filter(|&i| !new_texts.contains(old_cut.blocks[i].text))
        .collect();
    let resolves = resolved_names(&new_cut);
    let old_entries =
        parse_blocks(kind, &old_cut, &old_pick).map_err(|e| format!("before the change, {e}"))?;
    let new_entries = parse_blocks(kind, &new_cut, &new_pick)?;
    Ok(join(
        old_entries,
        new_entries,
        Some(&hosts_in(old)),
        Some(resolves),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::DeltaKind;

    fn kinds(j: &Joined) -> Vec<(DeltaKind, String, usize)> {
        j.deltas
            .iter()
            .map(|d| {
                let f = d.new.as_ref().or(d.old.as_ref()).unwrap();
                (d.kind.clone(), f.text("name").to_string(), f.span.0)
            })
            .collect()
    }

    #[test]
    fn only_changed_cargo_entries_are_parsed_and_placed() {
        let entry = |n: &str, v: &str| {
            format!("\n[[package]]\nname = \"{n}\"\nversion = \"{v}\"\nsource = \"registry+https://index.example.com/\"\nchecksum = \"{v}{n}\"\n")
        };
        let old = format!(
            "version = 4\n{}{}{}",
            entry("a", "1.0.0"),
            entry("b", "1.0.0"),
            entry("c", "1.0.0")
        );
        let new = format!(
            "version = 4\n{}{}{}",
            entry("a", "1.0.0"),
            entry("b", "1.1.0"),
            entry("d", "2.0.0")
        );
        let j = changed_entries(FileKind::CargoLock, Some(&old), &new).unwrap();
        let got = kinds(&j);
        let at = |text: &str, n: &str| text.find(&format!("name = \"{n}\"")).unwrap() + 8;
        assert_eq!(
            got,
            vec![
                (DeltaKind::Added, "b".into(), at(&new, "b")),
                (DeltaKind::Added, "d".into(), at(&new, "d")),
                (DeltaKind::Removed, "b".into(), at(&old, "b")),
                (DeltaKind::Removed, "c".into(), at(&old, "c")),
            ]
        );
        assert!(j.resolves.contains_key("a") && j.resolves.contains_key("d"));
        assert!(!j.resolves.contains_key("c"));
        // the same as parsing whole
        let whole = join(
            entries(FileKind::CargoLock, &old).unwrap(),
            entries(FileKind::CargoLock, &new).unwrap(),
            Some(&HashSet::new()),
            None,
        );
        assert_eq!(kinds(&whole).len(), got.len());
    }

    #[test]
    fn pnpm_and_yarn_blocks() {
        let pnpm = |v: &str| {
            format!("lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      ms:\n        specifier: ^2.0.0\n        version: {v}\n\npackages:\n\n  left-pad@1.3.0:\n    resolution: {{integrity: sha512-AAAA}}\n\n  ms@{v}:\n    resolution: {{integrity: sha512-BBBB}}\n\nsnapshots:\n\n  ms@{v}: {{}}\n")
        };
        let j = changed_entries(FileKind::PnpmLock, Some(&pnpm("2.1.2")), &pnpm("2.1.3")).unwrap();
        let new = pnpm("2.1.3");
        let got = kinds(&j);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            (got[0].0.clone(), got[0].1.as_str()),
            (DeltaKind::Added, "ms")
        );
        assert_eq!(&new[got[0].2..got[0].2 + 2], "ms");
        assert!(j.resolves.contains_key("left-pad"));

        let yarn = |v: &str| {
            format!("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\nleft-pad@^1.3.0:\n  version \"1.3.0\"\n  resolved \"https://npm.example.com/left-pad-1.3.0.tgz\"\n\n\"@s/ms@^2.0.0\":\n  version \"{v}\"\n  resolved \"https://npm.example.com/ms-{v}.tgz\"\n")
        };
        let j = changed_entries(FileKind::YarnLock, Some(&yarn("2.1.2")), &yarn("2.1.3")).unwrap();
        let got = kinds(&j);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].1, "@s/ms");
        assert!(j.resolves.contains_key("@s/ms") && j.resolves.contains_key("left-pad"));
        assert!(j
            .deltas
            .iter()
            .all(|d| d.new.as_ref().is_none_or(|n| n.text("new-host") == "false")));
    }
}
