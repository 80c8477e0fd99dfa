//! Dependency facts from manifests: `package.json` (npm) and `Cargo.toml` (Rust), parsed with the
//! tree-sitter grammars already in the build, so every fact has the exact span of its name.
//!
//! Facts:
//! - `dependency`, key `[ecosystem, name]` (a move between sections is a change, not a new
//!   dependency); attributes `name`, `section`, `version`
//!   (the spec as written), `source` (`registry`, `git`, `url`, `path`, `workspace`, `alias`, or
//!   `registry:<name>` for another Cargo registry).
//! - `install-script` (npm), key `[npm, script]` for the scripts npm runs on install
//!   (`preinstall`, `install`, `postinstall`, `prepare`); attributes `name`, `command`.
//!
//! Lockfiles, Python and Go manifests, and the lookalike judgement are the next extractors of
//! this module (issue: dependencies pack).

use std::collections::BTreeMap;

use tree_sitter::{Node, Parser};

use super::{Fact, Value};
use crate::lang::Lang;

/// The npm scripts that run when a package is installed.
const INSTALL_SCRIPTS: [&str; 4] = ["preinstall", "install", "postinstall", "prepare"];
const NPM_SECTIONS: [&str; 4] = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

/// Parse `text` with a tree-sitter grammar; an error names the first syntax error's line.
pub(crate) fn parse_tree(lang: Lang, text: &str) -> Result<tree_sitter::Tree, String> {
    let mut parser = Parser::new();
    parser
        .set_language(&lang.ts_language())
        .map_err(|e| e.to_string())?;
    let tree = parser
        .parse(text, None)
        .ok_or_else(|| "the parser gave up".to_string())?;
    let root = tree.root_node();
    if root.has_error() {
        let at = first_error(root).map_or(0, |n| n.start_position().row + 1);
        return Err(format!(
            "could not be read as {lang} (syntax error near line {at}): dependency rules skipped"
        ));
    }
    Ok(tree)
}

/// The facts of a `package.json`.
pub fn package_json(text: &str) -> Result<Vec<Fact>, String> {
    let tree = parse_tree(Lang::Json, text)?;
    Ok(package_json_facts(tree.root_node(), text.as_bytes()))
}

/// The facts of a `Cargo.toml`.
pub fn cargo_toml(text: &str) -> Result<Vec<Fact>, String> {
    let tree = parse_tree(Lang::Toml, text)?;
    Ok(cargo_toml_facts(tree.root_node(), text.as_bytes()))
}

fn first_error(n: Node<'_>) -> Option<Node<'_>> {
    if n.is_error() || n.is_missing() {
        return Some(n);
    }
    let mut c = n.walk();
    let children: Vec<Node<'_>> = n.children(&mut c).collect();
    children.into_iter().find_map(first_error)
}

pub(crate) fn text_of<'a>(n: Node<'_>, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or_default()
}

/// A JSON string's content and span (without its quotes).
pub(crate) fn json_string(n: Node<'_>, src: &[u8]) -> Option<(String, (usize, usize))> {
    if n.kind() != "string" {
        return None;
    }
    let (s, e) = (
        n.start_byte() + 1,
        n.end_byte().saturating_sub(1).max(n.start_byte() + 1),
    );
    Some((String::from_utf8_lossy(&src[s..e]).into_owned(), (s, e)))
}

/// The pairs of a JSON object node: (key, key span, value node).
pub(crate) fn json_pairs<'t>(obj: Node<'t>, src: &[u8]) -> Vec<(String, (usize, usize), Node<'t>)> {
    let mut out = Vec::new();
    let mut c = obj.walk();
    for pair in obj.named_children(&mut c).filter(|p| p.kind() == "pair") {
        let (Some(k), Some(v)) = (
            pair.child_by_field_name("key"),
            pair.child_by_field_name("value"),
        ) else {
            continue;
        };
        if let Some((key, span)) = json_string(k, src) {
            out.push((key, span, v));
        }
    }
    out
}

/// A fact whose attributes are all text.
pub(crate) fn fact(
    kind: &'static str,
    key: Vec<String>,
    attrs: &[(&str, String)],
    span: (usize, usize),
    related: Vec<(usize, usize)>,
) -> Fact {
    Fact {
        kind,
        key,
        attrs: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::Text(v.clone())))
            .collect::<BTreeMap<_, _>>(),
        span,
        related,
    }
}

/// Where an npm version spec resolves from.
fn npm_source(spec: &str) -> &'static str {
    let s = spec.trim();
    if s.starts_with("git+")
        || s.starts_with("git:")
        || s.starts_with("github:")
        || s.starts_with("gitlab:")
        || s.starts_with("bitbucket:")
    {
        "git"
    } else if s.starts_with("file:")
        || s.starts_with("link:")
        || s.starts_with('.')
        || s.starts_with('/')
    {
        "path"
    } else if s.contains("://") {
        "url"
    } else if s.starts_with("workspace:") {
        // a package of this workspace (pnpm, yarn): the repository's own code
        "workspace"
    } else if s.starts_with("npm:") {
        "alias"
    } else if !s.starts_with('@') && s.contains('/') && !s.contains(' ') {
        // `user/repo` is a GitHub shorthand.
        "git"
    } else {
        "registry"
    }
}

fn package_json_facts(root: Node<'_>, src: &[u8]) -> Vec<Fact> {
    let mut out = Vec::new();
    let mut c = root.walk();
    let Some(top) = root.named_children(&mut c).find(|n| n.kind() == "object") else {
        return out;
    };
    for (section, _, value) in json_pairs(top, src) {
        if value.kind() != "object" {
            continue;
        }
        if NPM_SECTIONS.contains(&section.as_str()) {
            for (name, span, v) in json_pairs(value, src) {
                let version = json_string(v, src)
                    .map(|(s, _)| s)
                    .unwrap_or_else(|| text_of(v, src).to_string());
                let source = npm_source(&version).to_string();
                let f = fact(
                    "dependency",
                    vec!["npm".into(), name.clone()],
                    &[
                        ("name", name.clone()),
                        ("section", section.clone()),
                        ("version", version),
                        ("source", source),
                        ("ecosystem", "npm".into()),
                    ],
                    span,
                    vec![(v.start_byte(), v.end_byte())],
                );
                out.push(f);
            }
        } else if section == "overrides" || section == "resolutions" {
            overrides(&section, value, src, &mut out);
        } else if section == "pnpm" {
            for (inner, _, v) in json_pairs(value, src) {
                if inner == "overrides" && v.kind() == "object" {
                    overrides("pnpm.overrides", v, src, &mut out);
                }
            }
        } else if section == "scripts" {
            for (name, span, v) in json_pairs(value, src) {
                if !INSTALL_SCRIPTS.contains(&name.as_str()) {
                    continue;
                }
                let command = json_string(v, src).map(|(s, _)| s).unwrap_or_default();
                out.push(fact(
                    "install-script",
                    vec!["npm".into(), name.clone()],
                    &[
                        ("name", name),
                        ("command", command),
                        ("ecosystem", "npm".into()),
                    ],
                    span,
                    vec![(v.start_byte(), v.end_byte())],
                ));
            }
        }
    }
    out
}

/// `override` facts, key `[npm, name]`: the versions a project forces on its dependency graph
/// (npm `overrides`, yarn `resolutions`, `pnpm.overrides`), often to pin a patched release.
fn overrides(section: &str, obj: Node<'_>, src: &[u8], out: &mut Vec<Fact>) {
    for (name, span, v) in json_pairs(obj, src) {
        // npm nests overrides (`"a": { ".": "1.2.3", "b": "2" }`): the entry's own version is `.`
        let version = match json_string(v, src) {
            Some((s, _)) => s,
            None => json_pairs(v, src)
                .into_iter()
                .find(|(k, _, _)| k == ".")
                .and_then(|(_, _, v)| json_string(v, src))
                .map_or_else(|| "(nested)".to_string(), |(s, _)| s),
        };
        out.push(fact(
            "override",
            vec!["npm".into(), name.clone()],
            &[
                ("name", name),
                ("version", version),
                ("section", section.to_string()),
                ("ecosystem", "npm".into()),
            ],
            span,
            vec![(v.start_byte(), v.end_byte())],
        ));
    }
}

/// The dotted parts of a TOML key node, unquoted.
pub(crate) fn toml_key(n: Node<'_>, src: &[u8]) -> Vec<String> {
    match n.kind() {
        "dotted_key" => {
            let mut c = n.walk();
            n.named_children(&mut c)
                .flat_map(|k| toml_key(k, src))
                .collect()
        }
        "quoted_key" => vec![text_of(n, src).trim_matches(['"', '\'']).to_string()],
        _ => vec![text_of(n, src).to_string()],
    }
}

pub(crate) fn toml_string(n: Node<'_>, src: &[u8]) -> Option<String> {
    (n.kind() == "string").then(|| {
        text_of(n, src)
            .trim_start_matches(['"', '\''])
            .trim_end_matches(['"', '\''])
            .to_string()
    })
}

/// The dependency section a table header names, if it is one: `dependencies`,
/// `dev-dependencies`, `build-dependencies`, `target.<cfg>.<one of them>`, `workspace.dependencies`.
fn cargo_section(header: &[String]) -> Option<String> {
    const SECTIONS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];
    match header {
        [s] if SECTIONS.contains(&s.as_str()) => Some(s.clone()),
        [w, s] if w == "workspace" && s == "dependencies" => Some("workspace.dependencies".into()),
        [t, cfg, s] if t == "target" && SECTIONS.contains(&s.as_str()) => {
            Some(format!("target.{cfg}.{s}"))
        }
        // `[patch.<registry>]` and `[replace]` swap a crate of the graph for another source.
        [p, registry] if p == "patch" => Some(format!("patch.{registry}")),
        [r] if r == "replace" => Some("replace".into()),
        _ => None,
    }
}

/// One Cargo dependency from its name and value (a version string, or a table of fields).
fn cargo_dependency(
    section: &str,
    name: &str,
    span: (usize, usize),
    fields: &[(String, Node<'_>)],
    version: Option<String>,
    related: (usize, usize),
    src: &[u8],
) -> Fact {
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| *v);
    let version = version
        .or_else(|| field("version").and_then(|v| toml_string(v, src)))
        .unwrap_or_default();
    let source = if field("git").is_some() {
        "git".to_string()
    } else if field("path").is_some() {
        "path".to_string()
    } else if let Some(r) = field("registry").and_then(|v| toml_string(v, src)) {
        format!("registry:{r}")
    } else if field("workspace").is_some() {
        "workspace".to_string()
    } else {
        "registry".to_string()
    };
    let package = field("package")
        .and_then(|v| toml_string(v, src))
        .unwrap_or_else(|| name.to_string());
    let mut f = fact(
        "dependency",
        vec!["cargo".into(), name.to_string()],
        &[
            ("name", package),
            ("section", section.to_string()),
            ("version", version),
            ("source", source),
            ("ecosystem", "cargo".into()),
        ],
        span,
        vec![related],
    );
    if let Some(p) = field("path").and_then(|v| toml_string(v, src)) {
        f.attrs.insert("path".into(), Value::Text(p));
    }
    f
}

pub(crate) fn inline_fields<'t>(table: Node<'t>, src: &[u8]) -> Vec<(String, Node<'t>)> {
    let mut c = table.walk();
    table
        .named_children(&mut c)
        .filter(|p| p.kind() == "pair")
        .filter_map(|p| {
            let k = p.named_child(0)?;
            let v = p.named_child(1)?;
            Some((toml_key(k, src).join("."), v))
        })
        .collect()
}

fn cargo_toml_facts(root: Node<'_>, src: &[u8]) -> Vec<Fact> {
    let mut out = Vec::new();
    let mut c = root.walk();
    for table in root.named_children(&mut c).filter(|t| t.kind() == "table") {
        let mut tc = table.walk();
        let children: Vec<Node<'_>> = table.named_children(&mut tc).collect();
        let Some(header) = children
            .first()
            .filter(|k| matches!(k.kind(), "bare_key" | "dotted_key" | "quoted_key"))
        else {
            continue;
        };
        let header_key = toml_key(*header, src);
        let pairs: Vec<(String, Node<'_>)> = children[1..]
            .iter()
            .filter(|p| p.kind() == "pair")
            .filter_map(|p| {
                Some((
                    toml_key(p.named_child(0)?, src).join("."),
                    p.named_child(1)?,
                ))
            })
            .collect();
        if let Some(section) = cargo_section(&header_key) {
            for p in children[1..].iter().filter(|p| p.kind() == "pair") {
                let (Some(k), Some(v)) = (p.named_child(0), p.named_child(1)) else {
                    continue;
                };
                let name = toml_key(k, src).join(".");
                let span = (k.start_byte(), k.end_byte());
                let related = (v.start_byte(), v.end_byte());
                let f = match v.kind() {
                    "inline_table" => cargo_dependency(
                        &section,
                        &name,
                        span,
                        &inline_fields(v, src),
                        None,
                        related,
                        src,
                    ),
                    _ => cargo_dependency(
                        &section,
                        &name,
                        span,
                        &[],
                        toml_string(v, src),
                        related,
                        src,
                    ),
                };
                out.push(f);
            }
        } else if header_key.len() >= 2 {
            // `[dependencies.serde]`: the table is one dependency.
            let (head, name) = header_key.split_at(header_key.len() - 1);
            if let Some(section) = cargo_section(head) {
                let span = (header.start_byte(), header.end_byte());
                out.push(cargo_dependency(
                    &section,
                    &name[0],
                    span,
                    &pairs,
                    None,
                    (table.start_byte(), table.end_byte()),
                    src,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(f: &Fact, k: &str) -> String {
        f.text(k).to_string()
    }

    #[test]
    fn package_json_dependencies_and_install_scripts() {
        let text = r#"{
  "name": "app",
  "scripts": { "test": "jest", "postinstall": "node setup.js" },
  "dependencies": { "express": "^4.19.2", "left-pad": "github:someone/left-pad" },
  "devDependencies": { "jest": "29.7.0", "local": "file:../local" }
}"#;
        let facts = package_json(text).unwrap();
        let deps: Vec<(String, String, String)> = facts
            .iter()
            .filter(|f| f.kind == "dependency")
            .map(|f| (attr(f, "name"), attr(f, "section"), attr(f, "source")))
            .collect();
        assert_eq!(
            deps,
            vec![
                ("express".into(), "dependencies".into(), "registry".into()),
                ("left-pad".into(), "dependencies".into(), "git".into()),
                ("jest".into(), "devDependencies".into(), "registry".into()),
                ("local".into(), "devDependencies".into(), "path".into()),
            ]
        );
        let express = &facts.iter().find(|f| attr(f, "name") == "express").unwrap();
        assert_eq!(&text[express.span.0..express.span.1], "express");
        let scripts: Vec<String> = facts
            .iter()
            .filter(|f| f.kind == "install-script")
            .map(|f| attr(f, "command"))
            .collect();
        assert_eq!(scripts, vec!["node setup.js".to_string()]);
    }

    #[test]
    fn cargo_toml_dependency_tables_and_sources() {
        let text = "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\nfork = { git = \"https://example.com/fork.git\" }\nlocal = { path = \"../local\" }\n\n[target.'cfg(unix)'.dev-dependencies]\nnix = { version = \"0.29\", registry = \"internal\" }\n\n[dependencies.regex]\nversion = \"1.11\"\n";
        let facts = cargo_toml(text).unwrap();
        let got: Vec<(String, String, String, String)> = facts
            .iter()
            .map(|f| {
                (
                    attr(f, "name"),
                    attr(f, "section"),
                    attr(f, "version"),
                    attr(f, "source"),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "serde".into(),
                    "dependencies".into(),
                    "1".into(),
                    "registry".into()
                ),
                (
                    "fork".into(),
                    "dependencies".into(),
                    String::new(),
                    "git".into()
                ),
                (
                    "local".into(),
                    "dependencies".into(),
                    String::new(),
                    "path".into()
                ),
                (
                    "nix".into(),
                    "target.cfg(unix).dev-dependencies".into(),
                    "0.29".into(),
                    "registry:internal".into()
                ),
                (
                    "regex".into(),
                    "dependencies".into(),
                    "1.11".into(),
                    "registry".into()
                ),
            ]
        );
        let serde = &facts[0];
        assert_eq!(&text[serde.span.0..serde.span.1], "serde");
    }

    #[test]
    fn a_malformed_manifest_is_an_error_not_a_panic() {
        assert!(package_json("{ \"dependencies\": { \"a\": }").is_err());
        assert!(cargo_toml("[dependencies\nserde = 1").is_err());
    }
}
