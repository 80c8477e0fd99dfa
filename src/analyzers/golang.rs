//! Go modules: `go.mod` (require, replace).
//!
//! Facts (`dependency`, ecosystem `go`, module paths as written):
//! - each `require` line, single or in a block: key `[go, path]`, section `require`, or
//!   `indirect` when the line's comment says `// indirect` (as `go mod tidy` writes it, also
//!   `// indirect; reason`), version as written, source `registry`;
//! - each `replace old [v] => new [v]`: key `[go, replace, old]` (apart from the require of the
//!   same module), section `replace`, version `new [v]`, source `path` for a directory (Go's
//!   rule: `./`, `../`, `/`, `.\`, `..\`, `\` or a drive letter), `fork` for another module
//!   path, `registry` for the same module at another version.
//!
//! `module`, `go`, `toolchain`, `exclude`, `retract`, `godebug`, `tool`, `ignore` and any
//! directive a later Go adds give no facts (a later directive is skipped, as Go's lax parser
//! does, rather than failing the file).
//!
//! The reader is a line-based lexer of the go.mod grammar (go.dev/ref/mod#go-mod-file-grammar:
//! identifiers, `"interpreted"` and `` `raw` `` strings, `//` comments, `( … )` blocks one
//! entry a line), not a crate: `tree-sitter-gomod` 1.0 is built for tree-sitter 0.20, not the
//! 0.25 in the build; its maintained fork `tree-sitter-gomod-orchard` 0.5.8 fits 0.25 but
//! rejects valid files (a replacement by an absolute path, a one-letter module path, a last
//! line without a newline, an empty `require ()` block all parse as errors, which would skip
//! every dependency rule for the file); `gomod-rs` 0.1.1 keeps locations but has not been
//! released since 2024, knows no `tool` or `ignore` directive and silently drops input it does
//! not parse; `gomod-parser` keeps no locations. The file is an error when Go itself would
//! refuse its structure: an unterminated string or block, a stray parenthesis, or a `require`
//! or `replace` line that is not one of Go's forms.

use std::collections::BTreeMap;

use super::{Fact, Value};

type Span = (usize, usize);

/// A token of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// An identifier or a string, unquoted, with the span of its text (inside any quotes).
    Word(String, Span),
    /// `(`, `)`, `[`, `]` or `,`.
    Punct(char),
}

/// One non-blank line: its tokens and the text of its `//` comment, if any.
struct Line<'a> {
    number: usize,
    tokens: Vec<Tok>,
    comment: Option<&'a str>,
}

fn error(line: usize) -> String {
    format!("could not be read as go.mod (syntax error near line {line}): dependency rules skipped")
}

/// The tokens of one line that starts at byte `at`.
fn lex(line: &str, at: usize, number: usize) -> Result<Line<'_>, String> {
    let mut tokens = Vec::new();
    let mut comment = None;
    let mut chars = line.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if line[i..].starts_with("//") {
            comment = Some(&line[i + 2..]);
            break;
        } else if matches!(c, '(' | ')' | '[' | ']' | ',') {
            tokens.push(Tok::Punct(c));
            chars.next();
        } else if c == '"' || c == '`' {
            chars.next();
            let mut value = String::new();
            let mut closed = None;
            while let Some((j, d)) = chars.next() {
                if d == c {
                    closed = Some(j);
                    break;
                }
                if d == '\\' && c == '"' {
                    // An escape: the character after the backslash stands for itself (module
                    // paths and versions hold no control characters).
                    match chars.next() {
                        Some((_, e)) => value.push(e),
                        None => break,
                    }
                } else {
                    value.push(d);
                }
            }
            let end = closed.ok_or_else(|| error(number))?;
            tokens.push(Tok::Word(value, (at + i + 1, at + end)));
        } else {
            let mut end = line.len();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_whitespace()
                    || matches!(d, '(' | ')' | '[' | ']' | ',' | '"' | '`')
                    || line[j..].starts_with("//")
                {
                    end = j;
                    break;
                }
                chars.next();
            }
            tokens.push(Tok::Word(line[i..end].to_string(), (at + i, at + end)));
        }
    }
    Ok(Line {
        number,
        tokens,
        comment,
    })
}

/// Go's `IsDirectoryPath`: a replacement that is a directory, not a module.
fn is_directory(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path.starts_with(".\\")
        || path.starts_with("..\\")
        || path.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Whether a line's comment marks its requirement indirect.
fn is_indirect(comment: Option<&str>) -> bool {
    comment
        .and_then(|c| c.split_whitespace().next())
        .is_some_and(|w| w == "indirect" || w.starts_with("indirect;"))
}

fn fact(key: Vec<String>, attrs: &[(&str, String)], span: Span, related: Vec<Span>) -> Fact {
    Fact {
        kind: "dependency",
        key,
        attrs: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::Text(v.clone())))
            .collect::<BTreeMap<_, _>>(),
        span,
        related,
    }
}

/// The words of a line, or an error if it holds punctuation.
fn words(line: &Line<'_>) -> Result<Vec<(String, Span)>, String> {
    line.tokens
        .iter()
        .map(|t| match t {
            Tok::Word(w, s) => Ok((w.clone(), *s)),
            Tok::Punct(_) => Err(error(line.number)),
        })
        .collect()
}

/// The fact of one directive's arguments (a line of a block, or what follows the verb).
fn directive(verb: &str, line: &Line<'_>, args: &[Tok], out: &mut Vec<Fact>) -> Result<(), String> {
    match verb {
        "require" => {
            let args = words(&Line {
                number: line.number,
                tokens: args.to_vec(),
                comment: None,
            })?;
            let [(path, span), (version, vspan)] = args.as_slice() else {
                return Err(error(line.number));
            };
            let section = if is_indirect(line.comment) {
                "indirect"
            } else {
                "require"
            };
            out.push(fact(
                vec!["go".into(), path.clone()],
                &[
                    ("name", path.clone()),
                    ("section", section.into()),
                    ("version", version.clone()),
                    ("source", "registry".into()),
                    ("ecosystem", "go".into()),
                ],
                *span,
                vec![*vspan],
            ));
        }
        "replace" => {
            let args = words(&Line {
                number: line.number,
                tokens: args.to_vec(),
                comment: None,
            })?;
            let arrow = args
                .iter()
                .position(|(w, _)| w == "=>")
                .filter(|&a| a == 1 || a == 2)
                .ok_or_else(|| error(line.number))?;
            let (old, old_span) = args.first().ok_or_else(|| error(line.number))?;
            let new = args.get(arrow + 1..).unwrap_or_default();
            let (source, version, related) = match new {
                [(path, s)] if is_directory(path) => ("path", path.clone(), (s.0, s.1)),
                [(path, s), (v, vs)] if !is_directory(path) => {
                    let source = if path == old { "registry" } else { "fork" };
                    (source, format!("{path} {v}"), (s.0, vs.1))
                }
                _ => return Err(error(line.number)),
            };
            out.push(fact(
                vec!["go".into(), "replace".into(), old.clone()],
                &[
                    ("name", old.clone()),
                    ("section", "replace".into()),
                    ("version", version),
                    ("source", source.into()),
                    ("ecosystem", "go".into()),
                ],
                *old_span,
                vec![related],
            ));
        }
        _ => {}
    }
    Ok(())
}

/// The facts of a `go.mod`.
pub fn go_mod(text: &str) -> Result<Vec<Fact>, String> {
    let mut out = Vec::new();
    // The verb of the block being read, and the line it opened on.
    let mut block: Option<(String, usize)> = None;
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let at = offset;
        offset += raw.len();
        let line = lex(raw.trim_end_matches('\n'), at, i + 1)?;
        let Some(first) = line.tokens.first() else {
            continue;
        };
        let parens = |t: &&Tok| matches!(t, Tok::Punct('(' | ')'));
        if let Some((verb, _)) = &block {
            if *first == Tok::Punct(')') {
                if line.tokens.len() > 1 {
                    return Err(error(line.number));
                }
                block = None;
                continue;
            }
            if line.tokens.iter().any(|t| parens(&t)) {
                return Err(error(line.number));
            }
            directive(verb, &line, &line.tokens, &mut out)?;
            continue;
        }
        let Tok::Word(verb, _) = first else {
            return Err(error(line.number));
        };
        match line.tokens.iter().position(|t| *t == Tok::Punct('(')) {
            // `verb (` opens a block; `verb ( )` is an empty one.
            Some(1) => match line.tokens.get(2..).unwrap_or_default() {
                [] => block = Some((verb.clone(), line.number)),
                [Tok::Punct(')')] => {}
                _ => return Err(error(line.number)),
            },
            Some(_) => return Err(error(line.number)),
            None => {
                if line.tokens.iter().any(|t| parens(&t)) {
                    return Err(error(line.number));
                }
                directive(
                    verb,
                    &line,
                    line.tokens.get(1..).unwrap_or_default(),
                    &mut out,
                )?;
            }
        }
    }
    if let Some((_, opened)) = block {
        return Err(error(opened));
    }
    out.sort_by(|a, b| (&a.key, &a.attrs).cmp(&(&b.key, &b.attrs)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_MOD: &str = "// Service module.\nmodule example.com/service\n\ngo 1.23.0\n\ntoolchain go1.23.4\n\nrequire github.com/pkg/errors v0.9.1\n\nrequire (\n\tgolang.org/x/net v0.33.0 // indirect\n\t\"github.com/quoted/mod\" v1.0.0\n\tgopkg.in/yaml.v3 v3.0.1\n\tgithub.com/old/lib v1.2.0+incompatible // indirect; used by tests\n)\n\nreplace github.com/pkg/errors => ../errors\n\nreplace (\n\tgolang.org/x/net v0.33.0 => github.com/someone/net v0.34.0\n\tgopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.0\n\texample.com/abs => /srv/abs\n)\n\nexclude golang.org/x/crypto v0.1.0\nretract [v1.0.0, v1.0.5]\nretract v0.9.0 // published by mistake\ntool golang.org/x/tools/cmd/stringer\ngodebug default=go1.21\nignore ./node_modules\n";

    fn summary(facts: &[Fact]) -> Vec<(String, String, String, String)> {
        facts
            .iter()
            .map(|f| {
                (
                    f.key.join(" "),
                    f.text("section").to_string(),
                    f.text("version").to_string(),
                    f.text("source").to_string(),
                )
            })
            .collect()
    }

    fn row(k: &str, s: &str, v: &str, src: &str) -> (String, String, String, String) {
        (k.into(), s.into(), v.into(), src.into())
    }

    #[test]
    fn requires_and_replaces() {
        let facts = go_mod(GO_MOD).unwrap();
        assert!(facts
            .iter()
            .all(|f| f.kind == "dependency" && f.text("ecosystem") == "go"));
        assert_eq!(
            summary(&facts),
            vec![
                row(
                    "go github.com/old/lib",
                    "indirect",
                    "v1.2.0+incompatible",
                    "registry"
                ),
                row("go github.com/pkg/errors", "require", "v0.9.1", "registry"),
                row("go github.com/quoted/mod", "require", "v1.0.0", "registry"),
                row("go golang.org/x/net", "indirect", "v0.33.0", "registry"),
                row("go gopkg.in/yaml.v3", "require", "v3.0.1", "registry"),
                row("go replace example.com/abs", "replace", "/srv/abs", "path"),
                row(
                    "go replace github.com/pkg/errors",
                    "replace",
                    "../errors",
                    "path"
                ),
                row(
                    "go replace golang.org/x/net",
                    "replace",
                    "github.com/someone/net v0.34.0",
                    "fork"
                ),
                row(
                    "go replace gopkg.in/yaml.v3",
                    "replace",
                    "gopkg.in/yaml.v3 v3.0.0",
                    "registry"
                ),
            ]
        );
        let text = |f: &Fact| &GO_MOD[f.span.0..f.span.1];
        assert_eq!(text(&facts[2]), "github.com/quoted/mod");
        assert_eq!(text(&facts[3]), "golang.org/x/net");
        assert_eq!(text(&facts[7]), "golang.org/x/net");
        let r = facts[7].related[0];
        assert_eq!(&GO_MOD[r.0..r.1], "github.com/someone/net v0.34.0");
        assert_eq!(facts[3].text("name"), "golang.org/x/net");
    }

    #[test]
    fn a_resorted_or_reindented_go_mod_keeps_keys_and_attrs() {
        let moved = "module example.com/service\r\n\r\ngo 1.23.0\r\nrequire (\r\n    gopkg.in/yaml.v3   v3.0.1\r\n    github.com/old/lib v1.2.0+incompatible   // indirect; used by tests\r\n  github.com/quoted/mod v1.0.0\r\n    golang.org/x/net v0.33.0 //indirect\r\n    github.com/pkg/errors v0.9.1\r\n)\r\nreplace (\r\n  example.com/abs => /srv/abs\r\n  github.com/pkg/errors => ../errors\r\n  gopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.0\r\n)\r\nreplace golang.org/x/net v0.33.0 => github.com/someone/net v0.34.0";
        let key_attrs = |t: &str| -> Vec<(Vec<String>, BTreeMap<String, Value>)> {
            go_mod(t)
                .unwrap()
                .into_iter()
                .map(|f| (f.key, f.attrs))
                .collect()
        };
        assert_eq!(key_attrs(GO_MOD), key_attrs(moved));
    }

    #[test]
    fn malformed_go_mod_is_an_error_not_a_panic() {
        for bad in [
            "require (\n\tgolang.org/x/net v0.33.0\n",
            "require golang.org/x/net\n",
            "require \"golang.org/x/net v0.33.0\n",
            "replace a v1 => \n",
            "replace a v1 b v2\n",
            "replace a => b\n",
            "replace a => ./b v1.0.0\n",
            ")\n",
            "require ( a v1 )\n",
            "require (\n\ta v1 (\n)\n",
            "require (\n) x\n",
        ] {
            let e = go_mod(bad).unwrap_err();
            assert!(
                e.starts_with("could not be read as go.mod (syntax error near line"),
                "{e}"
            );
        }
        assert!(go_mod("require (\n\ta v1\n")
            .unwrap_err()
            .contains("line 1"));
        for odd in [
            "",
            "\n\n",
            "module m",
            "require ()\n",
            "é ü\n",
            "`\u{0}`",
            "unknown (\n\tx y\n)\n",
        ] {
            assert!(go_mod(odd).is_ok(), "{odd:?}");
        }
    }

    #[test]
    fn nothing_but_paths_and_versions_reaches_a_fact() {
        let facts = go_mod("require example.com/m v1.0.0 // token=ghp_secret\n").unwrap();
        assert!(!format!("{facts:?}").contains("ghp_secret"));
    }

    #[test]
    fn no_prefix_or_splice_of_a_go_mod_panics() {
        for (i, _) in GO_MOD.char_indices() {
            let _ = go_mod(&GO_MOD[..i]);
            let _ = go_mod(&format!("{}\"`(=> //\n{}", &GO_MOD[..i], &GO_MOD[i..]));
        }
    }
}
