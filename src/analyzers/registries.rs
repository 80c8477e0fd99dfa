//! Package-manager configuration that points installs somewhere: `.npmrc` and
//! `.cargo/config.toml`.
//!
//! Facts (`package-index`, key `[ecosystem, option, identity]`, attributes `option`, `url`,
//! `ecosystem`, and `name` for a named registry; a URL never keeps its `user:password@`):
//! - `.npmrc`: `registry=URL` (option `registry`, identity `default`), `@scope:registry=URL`
//!   (option `scope-registry`, identity and `name` the scope, `@` included), `strict-ssl=…`
//!   (option `strict-ssl`, identity `strict-ssl`, `url` empty, `value` as written, so a rule
//!   can select `false` and a change to it is a changed fact). No other line gives a fact:
//!   `//host/:_authToken=…`, `_auth`, `_password`, `username` and the like are credentials,
//!   which never reach a fact.
//! - `.cargo/config.toml`: `[registries.X] index = URL` (option `registry`, identity and
//!   `name` X), `[source.X] replace-with = "Y"` (option `source-replacement`, identity and
//!   `name` X, `url` the `registry`, `local-registry`, `directory` or `git` of `[source.Y]`,
//!   or the `index` of `[registries.Y]`, when the file defines Y, else `Y`), `[registry]
//!   default = "X"` (option `default-registry`, identity `default`, `name` X, `url` empty).
//!   Tokens (`[registry] token`, `[registries.X] token`) never reach a fact.
//!
//! `.npmrc` is read as npm's `ini` reader reads it (one `key=value` a line, keys and values
//! trimmed, full-line `;`/`#` comments, an unquoted value cut at its first unescaped `;` or
//! `#`, `"quoted"` values, `[section]` headers whose keys npm does not use), by a small reader
//! here: no INI crate keeps locations. That reader accepts every line (a line it cannot use is
//! skipped), so `.npmrc` is never an error: failing the file would hide its registries. The
//! Cargo configuration is TOML, read with the same span-keeping parser as `pyproject.toml`.

use super::python::{entries, get, get_str, parse_toml, range, sorted, table_at, text_fact, Span};
use super::requirements::without_credentials;
use super::Fact;

fn index_fact(
    ecosystem: &str,
    option: &str,
    identity: &str,
    attrs: &[(&str, String)],
    span: Span,
    related: Vec<Span>,
) -> Fact {
    let mut all = vec![
        ("option", option.to_string()),
        ("ecosystem", ecosystem.to_string()),
    ];
    all.extend(attrs.iter().cloned());
    text_fact(
        "package-index",
        vec![ecosystem.into(), option.into(), identity.into()],
        &all,
        span,
        related,
    )
}

/// An `ini` key or value as npm reads it: a quoted one without its quotes, else cut at the
/// first unescaped `;` or `#`, with `\;`, `\#` and `\\` unescaped. Returns the value and the
/// length of the text it came from (before a comment).
fn ini_text(raw: &str) -> (String, usize) {
    let t = raw.trim();
    let quoted = t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')));
    if quoted {
        let inner = &t[1..t.len() - 1];
        let value = if t.starts_with('"') {
            inner.replace("\\\"", "\"").replace("\\\\", "\\")
        } else {
            inner.to_string()
        };
        return (value, t.len());
    }
    let mut out = String::new();
    let mut escaped = false;
    let mut used = t.len();
    for (i, c) in t.char_indices() {
        if escaped {
            if !matches!(c, '\\' | ';' | '#') {
                out.push('\\');
            }
            out.push(c);
            escaped = false;
        } else if matches!(c, ';' | '#') {
            used = i;
            break;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    if escaped {
        out.push('\\');
    }
    let trimmed = out.trim().to_string();
    (trimmed, t[..used].trim_end().len())
}

/// The facts of an `.npmrc`.
pub fn npmrc(text: &str) -> Result<Vec<Fact>, String> {
    let mut out = Vec::new();
    let mut in_section = false;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_at = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            // npm reads only the keys before any section.
            in_section = true;
            continue;
        }
        if in_section {
            continue;
        }
        let Some(eq) = line.find('=') else {
            continue;
        };
        let (raw_key, raw_value) = (&line[..eq], &line[eq + 1..]);
        let (key, _) = ini_text(raw_key);
        let key_lead = raw_key.len() - raw_key.trim_start().len();
        let key_span = (
            line_at + key_lead,
            line_at + key_lead + raw_key.trim().len(),
        );
        let (value, value_len) = ini_text(raw_value);
        let value_start = line_at + eq + 1 + (raw_value.len() - raw_value.trim_start().len());
        let value_span = vec![(value_start, value_start + value_len)];
        if key == "registry" {
            let url = without_credentials(&value);
            out.push(index_fact(
                "npm",
                "registry",
                "default",
                &[("url", url)],
                key_span,
                value_span,
            ));
        } else if let Some(scope) = key
            .strip_suffix(":registry")
            .filter(|s| s.starts_with('@') && s.len() > 1)
        {
            let url = without_credentials(&value);
            out.push(index_fact(
                "npm",
                "scope-registry",
                scope,
                &[("url", url), ("name", scope.to_string())],
                key_span,
                value_span,
            ));
        } else if key == "strict-ssl" {
            out.push(index_fact(
                "npm",
                "strict-ssl",
                "strict-ssl",
                &[("url", String::new()), ("value", value)],
                key_span,
                value_span,
            ));
        }
    }
    Ok(sorted(out))
}

/// The facts of a `.cargo/config.toml`.
pub fn cargo_config(text: &str) -> Result<Vec<Fact>, String> {
    let doc = parse_toml(text)?;
    let mut out = Vec::new();
    let registries = table_at(&doc, &["registries"]);
    let sources = table_at(&doc, &["source"]);

    if let Some(registries) = registries {
        for (name, span, v) in entries(text, registries) {
            let Some(index) = v.get_ref().as_table().and_then(|t| get(t, "index")) else {
                continue;
            };
            let Some(url) = index.get_ref().as_str() else {
                continue;
            };
            out.push(index_fact(
                "cargo",
                "registry",
                name,
                &[
                    ("url", without_credentials(url)),
                    ("name", name.to_string()),
                ],
                span,
                vec![range(index.span())],
            ));
        }
    }

    // Where a source named `y` in this file points.
    let location = |y: &str| -> Option<String> {
        let from_source = sources
            .and_then(|s| get(s, y))
            .and_then(|v| v.get_ref().as_table())
            .and_then(|t| {
                ["registry", "local-registry", "directory", "git"]
                    .iter()
                    .find_map(|k| get_str(t, k))
            });
        let from_registry = || {
            registries
                .and_then(|r| get(r, y))
                .and_then(|v| v.get_ref().as_table())
                .and_then(|t| get_str(t, "index"))
        };
        from_source.or_else(from_registry).map(without_credentials)
    };
    if let Some(sources) = sources {
        for (name, span, v) in entries(text, sources) {
            let Some(with) = v.get_ref().as_table().and_then(|t| get(t, "replace-with")) else {
                continue;
            };
            let Some(target) = with.get_ref().as_str() else {
                continue;
            };
            let url = location(target).unwrap_or_else(|| target.to_string());
            out.push(index_fact(
                "cargo",
                "source-replacement",
                name,
                &[("url", url), ("name", name.to_string())],
                span,
                vec![range(with.span())],
            ));
        }
    }

    if let Some(registry) = table_at(&doc, &["registry"]) {
        for (key, span, v) in entries(text, registry) {
            let Some(name) = v.get_ref().as_str().filter(|_| key == "default") else {
                continue;
            };
            out.push(index_fact(
                "cargo",
                "default-registry",
                "default",
                &[("url", String::new()), ("name", name.to_string())],
                span,
                vec![range(v.span())],
            ));
        }
    }
    Ok(sorted(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    use crate::analyzers::Value;

    /// (key, option, url, name)
    fn summary(facts: &[Fact]) -> Vec<(String, String, String, String)> {
        facts
            .iter()
            .map(|f| {
                assert_eq!(f.kind, "package-index");
                (
                    f.key.join(" "),
                    f.text("option").to_string(),
                    f.text("url").to_string(),
                    f.text("name").to_string(),
                )
            })
            .collect()
    }

    fn row(k: &str, o: &str, u: &str, n: &str) -> (String, String, String, String) {
        (k.into(), o.into(), u.into(), n.into())
    }

    fn key_attrs(facts: &[Fact]) -> Vec<(Vec<String>, BTreeMap<String, Value>)> {
        facts
            .iter()
            .map(|f| (f.key.clone(), f.attrs.clone()))
            .collect()
    }

    const NPMRC: &str = "; project npm settings\nregistry=https://ci:p4ssw0rd@npm.corp.example/\n@corp:registry = https://npm.corp.example/scoped/ ; internal\n//npm.corp.example/:_authToken=${NPM_TOKEN}\n//registry.example/:_authToken=npm_AbCdEf123456\n_auth=dXNlcjpodW50ZXIy\n//npm.corp.example/:_password=aHVudGVyMg==\nusername=deploy-bot\nemail=bot@example.com\nstrict-ssl=false\nsave-exact=true\n# trailing comment\n[ignored]\nregistry=https://not-read.example/\n";

    #[test]
    fn npmrc_registries_and_strict_ssl() {
        let facts = npmrc(NPMRC).unwrap();
        assert_eq!(
            summary(&facts),
            vec![
                row(
                    "npm registry default",
                    "registry",
                    "https://npm.corp.example/",
                    ""
                ),
                row(
                    "npm scope-registry @corp",
                    "scope-registry",
                    "https://npm.corp.example/scoped/",
                    "@corp"
                ),
                row("npm strict-ssl strict-ssl", "strict-ssl", "", ""),
            ]
        );
        assert_eq!(facts[2].text("value"), "false");
        assert!(facts.iter().all(|f| f.text("ecosystem") == "npm"));
        let at = |f: &Fact| &NPMRC[f.span.0..f.span.1];
        assert_eq!(at(&facts[0]), "registry");
        assert_eq!(at(&facts[1]), "@corp:registry");
        let r = facts[1].related[0];
        assert_eq!(&NPMRC[r.0..r.1], "https://npm.corp.example/scoped/");
        let debug = format!("{facts:?}");
        for secret in [
            "p4ssw0rd",
            "NPM_TOKEN",
            "npm_AbCdEf123456",
            "dXNlcjpodW50ZXIy",
            "aHVudGVyMg",
            "deploy-bot",
        ] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }

        let reordered = "strict-ssl = false\r\n  @corp:registry=\"https://npm.corp.example/scoped/\"\r\n\tregistry = https://npm.corp.example/\r\n";
        assert_eq!(key_attrs(&facts), key_attrs(&npmrc(reordered).unwrap()));
    }

    #[test]
    fn npmrc_is_read_whatever_it_holds() {
        // npm's reader skips what it cannot use; so does this one, and it never panics.
        for odd in [
            "",
            "=",
            "=x\n",
            "[",
            "registry",
            "@:registry=x",
            "\\",
            "é=ü;#\\",
            "k=\"\n",
        ] {
            let f = npmrc(odd).unwrap();
            assert!(
                f.iter().all(|f| f.text("option") != "scope-registry"),
                "{odd:?}"
            );
        }
        assert_eq!(npmrc("registry\n").unwrap().len(), 0);
    }

    const CARGO_CONFIG: &str = r#"[registry]
default = "corp"
token = "cio_registry_token_123"

[registries.corp]
index = "sparse+https://user:hunter2@cargo.corp.example/index/"
token = "cio_corp_token_456"

[registries]
mirror = { index = "https://mirror.example/git/index" }

[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "vendor"

[source.my-git]
git = "https://example.com/crates.git"
replace-with = "corp"

[source.other]
replace-with = "elsewhere"

[net]
git-fetch-with-cli = true
"#;

    #[test]
    fn cargo_config_registries_replacements_and_default() {
        let facts = cargo_config(CARGO_CONFIG).unwrap();
        assert_eq!(
            summary(&facts),
            vec![
                row(
                    "cargo default-registry default",
                    "default-registry",
                    "",
                    "corp"
                ),
                row(
                    "cargo registry corp",
                    "registry",
                    "sparse+https://cargo.corp.example/index/",
                    "corp"
                ),
                row(
                    "cargo registry mirror",
                    "registry",
                    "https://mirror.example/git/index",
                    "mirror"
                ),
                row(
                    "cargo source-replacement crates-io",
                    "source-replacement",
                    "vendor",
                    "crates-io"
                ),
                row(
                    "cargo source-replacement my-git",
                    "source-replacement",
                    "sparse+https://cargo.corp.example/index/",
                    "my-git"
                ),
                row(
                    "cargo source-replacement other",
                    "source-replacement",
                    "elsewhere",
                    "other"
                ),
            ]
        );
        let at = |f: &Fact| &CARGO_CONFIG[f.span.0..f.span.1];
        assert_eq!(at(&facts[0]), "default");
        assert_eq!(at(&facts[1]), "corp");
        assert_eq!(at(&facts[3]), "crates-io");
        assert!(facts.iter().all(|f| f.text("ecosystem") == "cargo"));
        let debug = format!("{facts:?}");
        for secret in ["hunter2", "cio_registry_token_123", "cio_corp_token_456"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }

        let reordered = r#"[source."crates-io"]
  replace-with = 'vendored-sources'
[source.other]
  replace-with = "elsewhere"
[source.my-git]
  replace-with = "corp"
  git = "https://example.com/crates.git"
[source.vendored-sources]
  directory = "vendor"
[registries]
  mirror.index = "https://mirror.example/git/index"
  corp = { token = "x", index = "sparse+https://user:hunter2@cargo.corp.example/index/" }
[registry]
  default = "corp"
"#;
        assert_eq!(
            key_attrs(&facts),
            key_attrs(&cargo_config(reordered).unwrap())
        );
    }

    #[test]
    fn malformed_cargo_config_is_an_error_not_a_panic() {
        for bad in [
            "[registries.corp\nindex = \"x\"",
            "[source.a]\nreplace-with = \n",
            "[registry]\ndefault = \"a\"\ndefault = \"b\"\n",
        ] {
            let e = cargo_config(bad).unwrap_err();
            assert!(
                e.starts_with("could not be read as TOML (syntax error near line"),
                "{e}"
            );
        }
        for odd in [
            "",
            "registries = 1\nsource = []\nregistry = \"x\"\n",
            "[registries]\na = 1\n[source]\nb = { replace-with = 2 }\n[registry]\ndefault = 3\n",
            "[source.a]\nreplace-with = \"a\"\n",
        ] {
            assert!(cargo_config(odd).is_ok(), "{odd:?}");
        }
    }

    #[test]
    fn no_prefix_or_splice_of_a_configuration_panics() {
        for text in [NPMRC, CARGO_CONFIG] {
            for (i, _) in text.char_indices() {
                for t in [
                    &text[..i],
                    &format!("{}\\\"=;[\n{}", &text[..i], &text[i..]),
                ] {
                    let _ = npmrc(t);
                    let _ = cargo_config(t);
                }
            }
        }
    }
}
