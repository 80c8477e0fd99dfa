//! Python manifests besides pip requirements: `pyproject.toml` (PEP 621, PEP 735 groups,
//! Poetry, uv), `Pipfile` and `setup.cfg`.
//!
//! Facts:
//! - `dependency`, key `[pypi, name]` (PEP 503-normalised name, so a re-sort, a re-indent, a
//!   version bump or a move between sections keeps the key); attributes `name`, `section`,
//!   `version`, `source` (`registry`, `git`, `url`, `path`, `workspace`, `registry:<index>`),
//!   `ecosystem` = `pypi`. `version` is the version specifier (pep508_rs's rendering of a
//!   PEP 508 string's specifier, so spacing inside the string is no change; the string as
//!   written for a Poetry or Pipfile value, `*` included), or, when the dependency comes from
//!   a git repository, a URL or a path, that location (credentials removed; a git `rev`,
//!   `tag`, `branch` or `ref` appended as `@ref`), as requirements files do. The span is the
//!   name: inside the string for PEP 508 strings, the key for Poetry and Pipfile tables.
//! - `package-index`, key `[pypi, option, identity]`: Poetry `[[tool.poetry.source]]`
//!   (`poetry-source`, by name; `priority`, or `default`/`secondary` for the flags older
//!   Poetry used), uv `[[tool.uv.index]]` (`uv-index`, by name or else URL; `priority` =
//!   `default` for `default = true`), `[tool.uv]` and `[tool.uv.pip]` `index-url`, `extra-index-url`, `find-links`
//!   (by URL) and `allow-insecure-host` (option `trusted-host`, as pip's `--trusted-host` in
//!   requirements files), Pipfile `[[source]]` (`pipfile-source`, by name; `verify-ssl`, and
//!   `default` = `true` for the source pipenv writes: named `pypi`, or unnamed in old Pipfiles). A URL never keeps its
//!   `user:password@`.
//!
//! TOML is read with the `toml` crate's span-keeping document (`toml::de::DeTable`, already in
//! the build), not tree-sitter: it decodes escapes (PEP 508 markers are often written
//! `"x; python_version < \"3.8\""`), merges `[a.b]` headers, dotted keys and inline tables into
//! one tree (a Poetry dependency may be any of the three), and rejects duplicate keys as
//! Python's `tomllib` does. Its tables are ordered by key, not by position; the facts are
//! sorted by (kind, key, attributes) in any case, so a key that occurs twice (one package in
//! two groups) is paired the same way by the delta however the file is ordered.
//!
//! `setup.cfg` is read by a small reader of Python's `configparser` format (sections, `key =
//! value` or `key: value`, continuation lines indented deeper than their key, full-line `#`/`;`
//! comments): the INI crates that exist either keep no locations or do not know
//! `configparser`'s continuation lines, which setup.cfg requirement lists are made of.

use std::collections::BTreeMap;
use std::str::FromStr;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::requirements::{normalize, without_credentials};
use super::Fact;

pub(crate) type Span = (usize, usize);

// ---------------------------------------------------------------------------------------------
// TOML helpers (also used by `registries` for `.cargo/config.toml`)

/// Parse a TOML document; the error names the line of the first syntax error.
pub(crate) fn parse_toml(text: &str) -> Result<DeTable<'_>, String> {
    DeTable::parse(text).map(Spanned::into_inner).map_err(|e| {
        let line = e
            .span()
            .and_then(|s| text.get(..s.start))
            .map_or(1, |before| before.matches('\n').count() + 1);
        format!(
            "could not be read as TOML (syntax error near line {line}): dependency rules skipped"
        )
    })
}

pub(crate) fn range(r: std::ops::Range<usize>) -> Span {
    (r.start, r.end)
}

/// A key's span without its quotes.
pub(crate) fn key_span(text: &str, key: &Spanned<toml::de::DeString<'_>>) -> Span {
    let (s, e) = range(key.span());
    match text.get(s..e) {
        Some(raw)
            if raw.len() >= 2
                && ((raw.starts_with('"') && raw.ends_with('"'))
                    || (raw.starts_with('\'') && raw.ends_with('\''))) =>
        {
            (s + 1, e - 1)
        }
        _ => (s, e),
    }
}

/// The span of a string value's content, without its delimiters.
pub(crate) fn content_span(text: &str, v: &Spanned<DeValue<'_>>) -> Span {
    let (s, e) = range(v.span());
    let raw = text.get(s..e).unwrap_or_default();
    let q = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        3
    } else if raw.starts_with('"') || raw.starts_with('\'') {
        1
    } else {
        0
    };
    if q > 0 && raw.len() >= 2 * q {
        (s + q, e - q)
    } else {
        (s, e)
    }
}

/// The entries of a table: (key, key span without quotes, value).
pub(crate) fn entries<'a, 'i>(
    text: &'a str,
    t: &'a DeTable<'i>,
) -> impl Iterator<Item = (&'a str, Span, &'a Spanned<DeValue<'i>>)> + 'a {
    t.iter()
        .map(move |(k, v)| (k.get_ref().as_ref(), key_span(text, k), v))
}

pub(crate) fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    t.iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

pub(crate) fn get_str<'a>(t: &'a DeTable<'_>, key: &str) -> Option<&'a str> {
    get(t, key).and_then(|v| v.get_ref().as_str())
}

/// The table at a dotted path.
pub(crate) fn table_at<'a, 'i>(t: &'a DeTable<'i>, path: &[&str]) -> Option<&'a DeTable<'i>> {
    path.iter().try_fold(t, |t, part| {
        get(t, part).and_then(|v| v.get_ref().as_table())
    })
}

/// The elements of an array value (none for any other value).
pub(crate) fn elements<'a, 'i>(v: &'a Spanned<DeValue<'i>>) -> &'a [Spanned<DeValue<'i>>] {
    v.get_ref().as_array().map_or(&[][..], |a| &a[..])
}

pub(crate) use super::deps::fact as text_fact;

/// Facts in (kind, key, attributes) order: a key that repeats is then paired the same way by
/// the delta whatever order the file lists it in.
pub(crate) fn sorted(mut facts: Vec<Fact>) -> Vec<Fact> {
    facts.sort_by(|a, b| (a.kind, &a.key, &a.attrs).cmp(&(b.kind, &b.key, &b.attrs)));
    facts
}

// ---------------------------------------------------------------------------------------------
// Dependencies

/// Where a dependency comes from and what pins it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    source: String,
    version: String,
}

fn dependency(
    name: &str,
    section: &str,
    origin: Origin,
    span: Span,
    related: Vec<Span>,
    out: &mut Vec<Fact>,
) {
    let name = normalize(name);
    if name.is_empty() {
        return;
    }
    out.push(text_fact(
        "dependency",
        vec!["pypi".into(), name.clone()],
        &[
            ("name", name),
            ("section", section.to_string()),
            ("version", origin.version),
            ("source", origin.source),
            ("ecosystem", "pypi".into()),
        ],
        span,
        related,
    ));
}

fn url_source(url: &str) -> &'static str {
    if url.starts_with("git+") {
        "git"
    } else if url.starts_with("file:") || url.starts_with('.') || url.starts_with('/') {
        "path"
    } else {
        "url"
    }
}

/// A PEP 508 requirement: its name (as written) and origin.
fn requirement(spec: &str) -> Option<(String, Origin)> {
    let spec = spec.trim();
    if spec.is_empty() {
        return None;
    }
    match pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(spec) {
        Ok(req) => {
            let origin = match &req.version_or_url {
                None => Origin {
                    source: "registry".into(),
                    version: String::new(),
                },
                Some(pep508_rs::VersionOrUrl::VersionSpecifier(s)) => Origin {
                    source: "registry".into(),
                    version: s.to_string(),
                },
                Some(pep508_rs::VersionOrUrl::Url(u)) => {
                    let given = u.given().map_or_else(|| u.to_string(), str::to_string);
                    Origin {
                        source: url_source(&given).into(),
                        version: without_credentials(&given),
                    }
                }
            };
            Some((req.name.to_string(), origin))
        }
        Err(_) => {
            // `name @ location` that pep508_rs cannot resolve without a working directory (a
            // relative path, `${PROJECT_ROOT}`): still a direct reference.
            let (name, location) = spec.split_once('@')?;
            let name = name.split('[').next().unwrap_or(name).trim();
            let location = location.split(';').next().unwrap_or(location).trim();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            (valid && !location.is_empty()).then(|| {
                (
                    name.to_string(),
                    Origin {
                        source: url_source(location).into(),
                        version: without_credentials(location),
                    },
                )
            })
        }
    }
}

/// The span of `name` at the start of the text at `content` (after blanks), or the whole
/// content when the text there is not the name (an escape in it).
fn name_span(text: &str, content: Span, name: &str) -> Span {
    let Some(body) = text.get(content.0..content.1) else {
        return content;
    };
    let lead = body.len() - body.trim_start().len();
    let rest = &body[lead..];
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(rest.len());
    if len > 0 && normalize(&rest[..len]) == normalize(name) {
        (content.0 + lead, content.0 + lead + len)
    } else {
        content
    }
}

/// The name (normalised) → origin and span of `[tool.uv.sources]`.
type Overrides = BTreeMap<String, (Origin, Span)>;

/// An array of PEP 508 strings (tables in it, such as PEP 735's `{include-group = ...}`, are
/// skipped).
fn pep508_array(
    text: &str,
    v: &Spanned<DeValue<'_>>,
    section: &str,
    overrides: Option<&Overrides>,
    out: &mut Vec<Fact>,
) {
    for e in elements(v) {
        let Some(spec) = e.get_ref().as_str() else {
            continue;
        };
        let Some((name, mut origin)) = requirement(spec) else {
            continue;
        };
        let span = name_span(text, content_span(text, e), &name);
        let mut related = vec![range(e.span())];
        if let Some((o, at)) = overrides.and_then(|m| m.get(&normalize(&name))) {
            origin.source = o.source.clone();
            if matches!(o.source.as_str(), "git" | "url" | "path") {
                origin.version = o.version.clone();
            }
            related.push(*at);
        }
        dependency(&name, section, origin, span, related, out);
    }
}

/// The origin a table of fields gives a dependency: Poetry (`git`, `path`, `url`, `source`,
/// `version`), uv (`git`, `path`, `url`, `index`, `workspace`) and Pipfile (`git`, `path`,
/// `file`, `index`, `version`) share these names.
fn table_origin(t: &DeTable<'_>) -> Origin {
    let version = get_str(t, "version").unwrap_or_default().to_string();
    let location = |source: &str, at: &str| Origin {
        source: source.into(),
        version: without_credentials(at),
    };
    if let Some(git) = get_str(t, "git") {
        let reference = ["rev", "tag", "branch", "ref"]
            .iter()
            .find_map(|k| get_str(t, k));
        let at = match reference {
            Some(r) => format!("{git}@{r}"),
            None => git.to_string(),
        };
        location("git", &at)
    } else if let Some(path) = get_str(t, "path") {
        location("path", path)
    } else if let Some(url) = get_str(t, "url") {
        location("url", url)
    } else if let Some(file) = get_str(t, "file") {
        let source = if file.contains("://") && !file.starts_with("file:") {
            "url"
        } else {
            "path"
        };
        location(source, file)
    } else if get(t, "workspace").and_then(|v| v.get_ref().as_bool()) == Some(true) {
        Origin {
            source: "workspace".into(),
            version,
        }
    } else if let Some(index) = get_str(t, "source").or_else(|| get_str(t, "index")) {
        Origin {
            source: format!("registry:{index}"),
            version,
        }
    } else {
        Origin {
            source: "registry".into(),
            version,
        }
    }
}

/// The origin of a Poetry, uv or Pipfile dependency value: a version string, a table, or an
/// array of tables (Poetry's multiple constraints, uv's per-marker sources), whose source is
/// the first that is not the default registry and whose versions are joined with ` | `.
fn value_origin(v: &DeValue<'_>) -> Origin {
    match v {
        DeValue::String(s) => Origin {
            source: "registry".into(),
            version: s.to_string(),
        },
        DeValue::Table(t) => table_origin(t),
        DeValue::Array(a) => {
            let origins: Vec<Origin> = a
                .iter()
                .filter_map(|e| e.get_ref().as_table().map(table_origin))
                .collect();
            let source = origins
                .iter()
                .map(|o| o.source.clone())
                .find(|s| s != "registry")
                .unwrap_or_else(|| "registry".into());
            let version = origins
                .iter()
                .map(|o| o.version.as_str())
                .collect::<Vec<_>>()
                .join(" | ");
            Origin { source, version }
        }
        _ => Origin {
            source: "registry".into(),
            version: String::new(),
        },
    }
}

/// A table of `name = value` dependencies (Poetry, Pipfile).
fn keyed_dependencies(text: &str, t: &DeTable<'_>, section: &str, out: &mut Vec<Fact>) {
    for (name, span, v) in entries(text, t) {
        if section.starts_with("poetry") && name.eq_ignore_ascii_case("python") {
            continue;
        }
        // Old pipenv wrote the project itself as `"-e ." = "*"`: an option, not a package.
        if name.starts_with('-') {
            continue;
        }
        dependency(
            name,
            section,
            value_origin(v.get_ref()),
            span,
            vec![range(v.span())],
            out,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Package indexes

fn index_fact(
    option: &str,
    identity: String,
    attrs: &[(&str, String)],
    span: Span,
    related: Vec<Span>,
) -> Fact {
    let mut all = vec![
        ("option", option.to_string()),
        ("ecosystem", "pypi".to_string()),
    ];
    all.extend(attrs.iter().cloned());
    text_fact(
        "package-index",
        vec!["pypi".into(), option.into(), identity],
        &all,
        span,
        related,
    )
}

/// `[[tool.poetry.source]]`, `[[tool.uv.index]]` and Pipfile `[[source]]`: tables with a name
/// and a URL.
fn named_sources(text: &str, v: &Spanned<DeValue<'_>>, option: &str, out: &mut Vec<Fact>) {
    for (position, e) in elements(v).iter().enumerate() {
        let Some(t) = e.get_ref().as_table() else {
            continue;
        };
        let name = get(t, "name");
        let url = get(t, "url");
        let url_text =
            without_credentials(url.and_then(|u| u.get_ref().as_str()).unwrap_or_default());
        let name_text = name.and_then(|n| n.get_ref().as_str()).map(str::to_string);
        let identity = match (&name_text, option) {
            (Some(n), _) => n.clone(),
            (None, "uv-index" | "pipfile-source") => url_text.clone(),
            (None, _) => String::new(),
        };
        let span = match (name, url) {
            (Some(n), _) => content_span(text, n),
            (None, Some(u)) => content_span(text, u),
            (None, None) => range(e.span()),
        };
        let mut attrs = vec![("url", url_text)];
        if let Some(n) = name_text.clone() {
            attrs.push(("name", n));
        }
        let flag = |k: &str| get(t, k).and_then(|v| v.get_ref().as_bool()) == Some(true);
        match option {
            "poetry-source" => {
                let priority = get_str(t, "priority").map(str::to_string).or_else(|| {
                    // Poetry before 1.5: `default = true` / `secondary = true`.
                    if flag("default") {
                        Some("default".into())
                    } else if flag("secondary") {
                        Some("secondary".into())
                    } else {
                        None
                    }
                });
                if let Some(p) = priority {
                    attrs.push(("priority", p));
                }
            }
            // `default = true` replaces the public index: said as a priority, like Poetry's,
            // since `default` of a Pipfile source means pipenv's own default.
            "uv-index" if flag("default") => attrs.push(("priority", "default".into())),
            "pipfile-source" => {
                match get(t, "verify_ssl")
                    .or_else(|| get(t, "verify-ssl"))
                    .map(|v| v.get_ref())
                {
                    Some(DeValue::Boolean(b)) => attrs.push(("verify-ssl", b.to_string())),
                    Some(DeValue::String(s)) => attrs.push(("verify-ssl", s.to_string())),
                    _ => {}
                }
                // pipenv writes its default source first, named `pypi` (unnamed in Pipfiles
                // before 2018); a later source is another index, whatever its name.
                if position == 0 && matches!(name_text.as_deref(), Some("pypi") | None) {
                    attrs.push(("default", "true".into()));
                }
            }
            _ => {}
        }
        let related = url.map(|u| vec![range(u.span())]).unwrap_or_default();
        out.push(index_fact(option, identity, &attrs, span, related));
    }
}

/// `[tool.uv]` / `[tool.uv.pip]` index options: a URL (or host) or an array of them.
fn uv_index_options(text: &str, t: &DeTable<'_>, out: &mut Vec<Fact>) {
    const OPTIONS: [(&str, &str); 4] = [
        ("index-url", "index-url"),
        ("extra-index-url", "extra-index-url"),
        ("find-links", "find-links"),
        ("allow-insecure-host", "trusted-host"),
    ];
    for (key, span, v) in entries(text, t) {
        let Some((_, option)) = OPTIONS.iter().find(|(k, _)| *k == key) else {
            continue;
        };
        let values: Vec<&Spanned<DeValue<'_>>> = match v.get_ref() {
            DeValue::String(_) => vec![v],
            DeValue::Array(a) => a.iter().collect(),
            _ => Vec::new(),
        };
        for e in values {
            let Some(url) = e.get_ref().as_str() else {
                continue;
            };
            let url = without_credentials(url);
            out.push(index_fact(
                option,
                url.clone(),
                &[("url", url)],
                span,
                vec![range(e.span())],
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The three files

/// The facts of a `pyproject.toml`.
pub fn pyproject(text: &str) -> Result<Vec<Fact>, String> {
    let doc = parse_toml(text)?;
    let mut out = Vec::new();

    // uv's sources change where a PEP 621 / PEP 735 dependency comes from.
    let mut overrides = Overrides::new();
    if let Some(sources) = table_at(&doc, &["tool", "uv", "sources"]) {
        for (name, _, v) in entries(text, sources) {
            overrides.insert(
                normalize(name),
                (value_origin(v.get_ref()), range(v.span())),
            );
        }
    }

    if let Some(project) = table_at(&doc, &["project"]) {
        if let Some(deps) = get(project, "dependencies") {
            pep508_array(text, deps, "project", Some(&overrides), &mut out);
        }
        if let Some(extras) = table_at(project, &["optional-dependencies"]) {
            for (extra, _, v) in entries(text, extras) {
                let section = format!("optional:{extra}");
                pep508_array(text, v, &section, Some(&overrides), &mut out);
            }
        }
    }
    if let Some(groups) = table_at(&doc, &["dependency-groups"]) {
        for (group, _, v) in entries(text, groups) {
            let section = format!("group:{group}");
            pep508_array(text, v, &section, Some(&overrides), &mut out);
        }
    }
    if let Some(requires) = table_at(&doc, &["build-system"]).and_then(|t| get(t, "requires")) {
        pep508_array(text, requires, "build-system", None, &mut out);
    }

    if let Some(poetry) = table_at(&doc, &["tool", "poetry"]) {
        if let Some(t) = table_at(poetry, &["dependencies"]) {
            keyed_dependencies(text, t, "poetry", &mut out);
        }
        if let Some(t) = table_at(poetry, &["dev-dependencies"]) {
            keyed_dependencies(text, t, "poetry-dev", &mut out);
        }
        if let Some(groups) = table_at(poetry, &["group"]) {
            for (group, _, v) in entries(text, groups) {
                let deps = v
                    .get_ref()
                    .as_table()
                    .and_then(|g| table_at(g, &["dependencies"]));
                if let Some(t) = deps {
                    keyed_dependencies(text, t, &format!("poetry-group:{group}"), &mut out);
                }
            }
        }
        if let Some(sources) = get(poetry, "source") {
            named_sources(text, sources, "poetry-source", &mut out);
        }
    }

    if let Some(uv) = table_at(&doc, &["tool", "uv"]) {
        if let Some(index) = get(uv, "index") {
            named_sources(text, index, "uv-index", &mut out);
        }
        uv_index_options(text, uv, &mut out);
        if let Some(pip) = table_at(uv, &["pip"]) {
            uv_index_options(text, pip, &mut out);
        }
    }
    Ok(sorted(out))
}

/// The facts of a `Pipfile`.
pub fn pipfile(text: &str) -> Result<Vec<Fact>, String> {
    const NOT_PACKAGES: [&str; 4] = ["requires", "source", "pipenv", "scripts"];
    let doc = parse_toml(text)?;
    let mut out = Vec::new();
    for (category, _, v) in entries(text, &doc) {
        if category == "source" {
            named_sources(text, v, "pipfile-source", &mut out);
            continue;
        }
        if NOT_PACKAGES.contains(&category) {
            continue;
        }
        if let Some(t) = v.get_ref().as_table() {
            keyed_dependencies(text, t, category, &mut out);
        }
    }
    Ok(sorted(out))
}

/// One line of a setup.cfg: its text (without the line break) and where it starts.
struct CfgLine<'a> {
    text: &'a str,
    at: usize,
    number: usize,
}

/// The facts of a `setup.cfg`.
pub fn setup_cfg(text: &str) -> Result<Vec<Fact>, String> {
    let error = |n: usize| {
        format!(
            "could not be read as setup.cfg (syntax error near line {n}): dependency rules skipped"
        )
    };
    let mut lines = Vec::new();
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        lines.push(CfgLine {
            text: raw.trim_end_matches(['\n', '\r']),
            at: offset,
            number: i + 1,
        });
        offset += raw.len();
    }

    // (section, option, option line's indent, the value's pieces: text and offset)
    struct Opt<'a> {
        section: &'a str,
        key: &'a str,
        indent: usize,
        pieces: Vec<(&'a str, usize)>,
    }
    let mut section: Option<&str> = None;
    let mut options: Vec<Opt<'_>> = Vec::new();
    for line in &lines {
        let trimmed = line.text.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indent = line.text.len() - line.text.trim_start().len();
        if let Some(last) = options.last_mut() {
            if indent > last.indent && Some(last.section) == section {
                last.pieces.push((trimmed, line.at + indent));
                continue;
            }
        }
        if trimmed.starts_with('[') {
            let close = trimmed.rfind(']').ok_or_else(|| error(line.number))?;
            section = trimmed.get(1..close).map(str::trim);
            if section.is_none_or(str::is_empty) {
                return Err(error(line.number));
            }
            continue;
        }
        let Some(current) = section else {
            return Err(error(line.number));
        };
        let Some(d) = trimmed.find(['=', ':']) else {
            return Err(error(line.number));
        };
        let key = trimmed[..d].trim();
        if key.is_empty() {
            return Err(error(line.number));
        }
        let rest = &trimmed[d + 1..];
        let value = rest.trim_start();
        let value_at = line.at + indent + d + 1 + (rest.len() - value.len());
        let mut pieces = Vec::new();
        if !value.is_empty() {
            pieces.push((value.trim_end(), value_at));
        }
        options.push(Opt {
            section: current,
            key,
            indent,
            pieces,
        });
    }

    let mut out = Vec::new();
    for opt in &options {
        let key = opt.key.to_ascii_lowercase().replace('-', "_");
        let section = match opt.section {
            "options" => match key.as_str() {
                "install_requires" | "setup_requires" | "tests_require" => key.clone(),
                _ => continue,
            },
            "options.extras_require" => format!("extras:{}", opt.key),
            _ => continue,
        };
        let one_line = opt.pieces.len() == 1;
        for &(piece, at) in &opt.pieces {
            if piece.starts_with("file:") {
                // `file: requirements.txt`: that file is read as a requirements file.
                continue;
            }
            cfg_requirements(piece, at, one_line, &section, &mut out);
        }
    }
    Ok(sorted(out))
}

/// The requirements of one line of a setup.cfg value: one requirement, or on a one-line value
/// several separated by `;` (setuptools) or `,`.
fn cfg_requirements(piece: &str, at: usize, one_line: bool, section: &str, out: &mut Vec<Fact>) {
    // A comment follows whitespace.
    let code = match piece.find(" #").or_else(|| piece.find("\t#")) {
        Some(i) => &piece[..i],
        None => piece,
    };
    let code = code.trim_end();
    if code.is_empty() || code.starts_with('#') {
        return;
    }
    let mut push = |spec: &str, spec_at: usize| {
        if let Some((name, origin)) = requirement(spec) {
            let lead = spec.len() - spec.trim_start().len();
            let start = spec_at + lead;
            let span = name_span_in(spec.trim_start(), start, &name);
            dependency(
                &name,
                section,
                origin,
                span,
                vec![(start, start + spec.trim().len())],
                out,
            );
        }
    };
    if requirement(code).is_some() || !one_line {
        push(code, at);
        return;
    }
    let mut offset = 0;
    for part in code.split([';', ',']) {
        push(part, at + offset);
        offset += part.len() + 1;
    }
}

/// The span of the name at the start of `spec`, which starts at byte `at`.
fn name_span_in(spec: &str, at: usize, name: &str) -> Span {
    let len = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    if len > 0 && normalize(&spec[..len]) == normalize(name) {
        (at, at + len)
    } else {
        (at, at + spec.trim_end().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::Value;

    /// (kind, key, section or option, version or url, source or name)
    fn summary(facts: &[Fact]) -> Vec<(String, String, String, String, String)> {
        facts
            .iter()
            .map(|f| {
                (
                    f.kind.to_string(),
                    f.key.join("/"),
                    format!("{}{}", f.text("section"), f.text("option")),
                    format!("{}{}", f.text("version"), f.text("url")),
                    if f.kind == "dependency" {
                        f.text("source").to_string()
                    } else {
                        f.text("name").to_string()
                    },
                )
            })
            .collect()
    }

    fn row(
        k: &str,
        key: &str,
        s: &str,
        v: &str,
        src: &str,
    ) -> (String, String, String, String, String) {
        (k.into(), key.into(), s.into(), v.into(), src.into())
    }

    fn span_text<'a>(text: &'a str, facts: &[Fact], key: &[&str]) -> &'a str {
        let f = facts
            .iter()
            .find(|f| f.key == key)
            .unwrap_or_else(|| panic!("no fact {key:?}"));
        &text[f.span.0..f.span.1]
    }

    const PYPROJECT: &str = r#"[build-system]
requires = ["setuptools>=68", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "app"
dependencies = [
    "Requests[socks] >= 2.31, <3",
    "importlib_metadata; python_version < \"3.8\"",
    "my-lib @ git+https://user:s3cret@git.example.com/my-lib.git@v1.2",
    "local-pkg @ file:///opt/local-pkg",
    "internal-sdk",
    "monorepo-member",
]

[project.optional-dependencies]
docs = ["Sphinx==7.2.6"]

[dependency-groups]
test = ["pytest>=8", {include-group = "lint"}]
lint = ["ruff"]

[tool.uv.sources]
internal-sdk = { index = "corp" }
monorepo-member = { workspace = true }
pytest = { git = "https://github.com/pytest-dev/pytest", tag = "8.3.0" }

[[tool.uv.index]]
name = "corp"
url = "https://deploy:hunter2@pypi.corp.example/simple"
default = true

[[tool.uv.index]]
url = "https://mirror.example/simple"

[tool.uv]
extra-index-url = ["https://extra.example/simple"]
"#;

    #[test]
    fn pyproject_pep621_pep735_build_system_and_uv() {
        let facts = pyproject(PYPROJECT).unwrap();
        assert_eq!(
            summary(&facts),
            vec![
                row(
                    "dependency",
                    "pypi/importlib-metadata",
                    "project",
                    "",
                    "registry"
                ),
                row(
                    "dependency",
                    "pypi/internal-sdk",
                    "project",
                    "",
                    "registry:corp"
                ),
                row(
                    "dependency",
                    "pypi/local-pkg",
                    "project",
                    "file:///opt/local-pkg",
                    "path"
                ),
                row(
                    "dependency",
                    "pypi/monorepo-member",
                    "project",
                    "",
                    "workspace"
                ),
                row(
                    "dependency",
                    "pypi/my-lib",
                    "project",
                    "git+https://git.example.com/my-lib.git@v1.2",
                    "git"
                ),
                row(
                    "dependency",
                    "pypi/pytest",
                    "group:test",
                    "https://github.com/pytest-dev/pytest@8.3.0",
                    "git"
                ),
                row(
                    "dependency",
                    "pypi/requests",
                    "project",
                    ">=2.31, <3",
                    "registry"
                ),
                row("dependency", "pypi/ruff", "group:lint", "", "registry"),
                row(
                    "dependency",
                    "pypi/setuptools",
                    "build-system",
                    ">=68",
                    "registry"
                ),
                row(
                    "dependency",
                    "pypi/sphinx",
                    "optional:docs",
                    "==7.2.6",
                    "registry"
                ),
                row("dependency", "pypi/wheel", "build-system", "", "registry"),
                row(
                    "package-index",
                    "pypi/extra-index-url/https://extra.example/simple",
                    "extra-index-url",
                    "https://extra.example/simple",
                    ""
                ),
                row(
                    "package-index",
                    "pypi/uv-index/corp",
                    "uv-index",
                    "https://pypi.corp.example/simple",
                    "corp"
                ),
                row(
                    "package-index",
                    "pypi/uv-index/https://mirror.example/simple",
                    "uv-index",
                    "https://mirror.example/simple",
                    ""
                ),
            ]
        );
        assert_eq!(
            span_text(PYPROJECT, &facts, &["pypi", "requests"]),
            "Requests"
        );
        assert_eq!(
            span_text(PYPROJECT, &facts, &["pypi", "importlib-metadata"]),
            "importlib_metadata"
        );
        assert_eq!(
            span_text(PYPROJECT, &facts, &["pypi", "uv-index", "corp"]),
            "corp"
        );
        let corp = facts
            .iter()
            .find(|f| f.key == ["pypi", "uv-index", "corp"])
            .unwrap();
        assert_eq!(corp.text("priority"), "default");
        assert_eq!(
            facts
                .iter()
                .filter(|f| f.text("priority") == "default")
                .count(),
            1
        );
        let debug = format!("{facts:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("hunter2"),
            "{debug}"
        );
    }

    const POETRY: &str = r#"[tool.poetry]
name = "app"

[tool.poetry.dependencies]
python = "^3.10"
Django = "^5.0"
forked = { git = "https://github.com/someone/forked.git", rev = "abc123" }
sibling = { path = "../sibling", develop = true }
wheel-pkg = { url = "https://files.example/wheel_pkg-1.0-py3-none-any.whl" }
private = { version = "^2.1", source = "internal" }
multi = [
    { version = "<2", python = "<3.9" },
    { version = ">=2", python = ">=3.9" },
]

[tool.poetry.dependencies.numpy]
version = "1.26.4"

[tool.poetry.dev-dependencies]
black = "24.1.0"

[tool.poetry.group.test.dependencies]
pytest = "^8.0"

[[tool.poetry.source]]
name = "internal"
url = "https://__token__:pypi-AgEIcHlwaS5vcmc@pkgs.internal.example/simple/"
priority = "supplemental"

[[tool.poetry.source]]
name = "legacy"
url = "https://legacy.example/simple/"
default = true
"#;

    #[test]
    fn pyproject_poetry_dependencies_groups_and_sources() {
        let facts = pyproject(POETRY).unwrap();
        assert_eq!(
            summary(&facts),
            vec![
                row(
                    "dependency",
                    "pypi/black",
                    "poetry-dev",
                    "24.1.0",
                    "registry"
                ),
                row("dependency", "pypi/django", "poetry", "^5.0", "registry"),
                row(
                    "dependency",
                    "pypi/forked",
                    "poetry",
                    "https://github.com/someone/forked.git@abc123",
                    "git"
                ),
                row("dependency", "pypi/multi", "poetry", "<2 | >=2", "registry"),
                row("dependency", "pypi/numpy", "poetry", "1.26.4", "registry"),
                row(
                    "dependency",
                    "pypi/private",
                    "poetry",
                    "^2.1",
                    "registry:internal"
                ),
                row(
                    "dependency",
                    "pypi/pytest",
                    "poetry-group:test",
                    "^8.0",
                    "registry"
                ),
                row("dependency", "pypi/sibling", "poetry", "../sibling", "path"),
                row(
                    "dependency",
                    "pypi/wheel-pkg",
                    "poetry",
                    "https://files.example/wheel_pkg-1.0-py3-none-any.whl",
                    "url"
                ),
                row(
                    "package-index",
                    "pypi/poetry-source/internal",
                    "poetry-source",
                    "https://pkgs.internal.example/simple/",
                    "internal"
                ),
                row(
                    "package-index",
                    "pypi/poetry-source/legacy",
                    "poetry-source",
                    "https://legacy.example/simple/",
                    "legacy"
                ),
            ]
        );
        assert_eq!(span_text(POETRY, &facts, &["pypi", "django"]), "Django");
        assert_eq!(span_text(POETRY, &facts, &["pypi", "numpy"]), "numpy");
        let prio: Vec<&str> = facts
            .iter()
            .map(|f| f.text("priority"))
            .filter(|p| !p.is_empty())
            .collect();
        assert_eq!(prio, vec!["supplemental", "default"]);
        assert!(!format!("{facts:?}").contains("pypi-AgEI"));
    }

    #[test]
    fn old_style_uv_index_options() {
        let text = "[tool.uv]\nindex-url = \"https://u:p@idx.example/simple\"\nallow-insecure-host = [\"idx.example\"]\n[tool.uv.pip]\nextra-index-url = [\"https://x.example/simple\"]\n";
        let facts = pyproject(text).unwrap();
        let got: Vec<Vec<String>> = facts.iter().map(|f| f.key.clone()).collect();
        assert_eq!(
            got,
            vec![
                vec!["pypi", "extra-index-url", "https://x.example/simple"],
                vec!["pypi", "index-url", "https://idx.example/simple"],
                vec!["pypi", "trusted-host", "idx.example"],
            ]
            .into_iter()
            .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
            .collect::<Vec<_>>()
        );
        assert_eq!(&text[facts[1].span.0..facts[1].span.1], "index-url");
    }

    #[test]
    fn direct_references_without_a_working_directory() {
        let text = "[project]\ndependencies = [\n  \"sib @ ./packages/sib\",\n  \"root-pkg @ file:///${PROJECT_ROOT}/root-pkg\",\n  \"zipped @ https://tok:en@files.example/zipped-1.0.zip ; os_name == 'nt'\",\n]\n";
        let facts = pyproject(text).unwrap();
        let got: Vec<(String, String, String)> = facts
            .iter()
            .map(|f| {
                (
                    f.text("name").to_string(),
                    f.text("version").to_string(),
                    f.text("source").to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "root-pkg".to_string(),
                    "file:///${PROJECT_ROOT}/root-pkg".to_string(),
                    "path".to_string()
                ),
                ("sib".into(), "./packages/sib".into(), "path".into()),
                (
                    "zipped".into(),
                    "https://files.example/zipped-1.0.zip".into(),
                    "url".into()
                ),
            ]
        );
        assert_eq!(&text[facts[1].span.0..facts[1].span.1], "sib");
    }

    fn keys_and_attrs(facts: &[Fact]) -> Vec<(Vec<String>, BTreeMap<String, Value>)> {
        facts
            .iter()
            .map(|f| (f.key.clone(), f.attrs.clone()))
            .collect()
    }

    #[test]
    fn a_resorted_or_reindented_pyproject_keeps_keys_and_attrs() {
        let resorted = r#"[tool.uv]
extra-index-url = ["https://extra.example/simple"]

[[tool.uv.index]]
name = "corp"
url = "https://deploy:hunter2@pypi.corp.example/simple"
default = true

[[tool.uv.index]]
url = "https://mirror.example/simple"

[tool.uv.sources]
pytest = { git = "https://github.com/pytest-dev/pytest", tag = "8.3.0" }
monorepo-member = { workspace = true }
internal-sdk = { index = "corp" }

[dependency-groups]
lint = ["ruff"]
test = [ {include-group = "lint"}, "pytest>=8" ]

[project.optional-dependencies]
docs = [ "Sphinx==7.2.6" ]

[project]
name = "app"
dependencies = [
  "monorepo-member",
  "internal-sdk",
  "local-pkg @ file:///opt/local-pkg",
  "my-lib @ git+https://user:s3cret@git.example.com/my-lib.git@v1.2",
  "importlib_metadata; python_version < '3.8'",
  "Requests[socks]>=2.31,<3",
]

[build-system]
build-backend = "setuptools.build_meta"
requires = [
        "wheel",
        "setuptools>=68",
]
"#;
        assert_eq!(
            keys_and_attrs(&pyproject(PYPROJECT).unwrap()),
            keys_and_attrs(&pyproject(resorted).unwrap())
        );
        let poetry_resorted = POETRY.replace(
            "python = \"^3.10\"\nDjango = \"^5.0\"\n",
            "Django   =   \"^5.0\"\n  python = \"^3.10\"\n",
        );
        assert_eq!(
            keys_and_attrs(&pyproject(POETRY).unwrap()),
            keys_and_attrs(&pyproject(&poetry_resorted).unwrap())
        );
    }

    const PIPFILE: &str = r#"[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[[source]]
url = "https://ci:t0ken@artifacts.example/api/pypi/simple"
verify_ssl = false
name = "corp"

[packages]
requests = "*"
Flask = "==3.0.0"
internal = { version = ">=1.0", index = "corp" }
tool = { git = "https://github.com/org/tool.git", ref = "main", editable = true }
vendored = { path = "./vendor/vendored", editable = true }
archive = { file = "https://files.example/archive-1.0.tar.gz" }

[dev-packages]
pytest = ">=8"

[docs]
sphinx = "*"

[requires]
python_version = "3.12"

[scripts]
test = "pytest"

[pipenv]
allow_prereleases = false
"#;

    #[test]
    fn pipfile_categories_and_sources() {
        let facts = pipfile(PIPFILE).unwrap();
        assert_eq!(
            summary(&facts),
            vec![
                row(
                    "dependency",
                    "pypi/archive",
                    "packages",
                    "https://files.example/archive-1.0.tar.gz",
                    "url"
                ),
                row(
                    "dependency",
                    "pypi/flask",
                    "packages",
                    "==3.0.0",
                    "registry"
                ),
                row(
                    "dependency",
                    "pypi/internal",
                    "packages",
                    ">=1.0",
                    "registry:corp"
                ),
                row(
                    "dependency",
                    "pypi/pytest",
                    "dev-packages",
                    ">=8",
                    "registry"
                ),
                row("dependency", "pypi/requests", "packages", "*", "registry"),
                row("dependency", "pypi/sphinx", "docs", "*", "registry"),
                row(
                    "dependency",
                    "pypi/tool",
                    "packages",
                    "https://github.com/org/tool.git@main",
                    "git"
                ),
                row(
                    "dependency",
                    "pypi/vendored",
                    "packages",
                    "./vendor/vendored",
                    "path"
                ),
                row(
                    "package-index",
                    "pypi/pipfile-source/corp",
                    "pipfile-source",
                    "https://artifacts.example/api/pypi/simple",
                    "corp"
                ),
                row(
                    "package-index",
                    "pypi/pipfile-source/pypi",
                    "pipfile-source",
                    "https://pypi.org/simple",
                    "pypi"
                ),
            ]
        );
        assert_eq!(span_text(PIPFILE, &facts, &["pypi", "flask"]), "Flask");
        assert_eq!(
            span_text(PIPFILE, &facts, &["pypi", "pipfile-source", "corp"]),
            "corp"
        );
        let corp = &facts[8];
        assert_eq!(
            (corp.text("verify-ssl"), corp.text("default")),
            ("false", "")
        );
        let pypi = &facts[9];
        assert_eq!(
            (pypi.text("verify-ssl"), pypi.text("default")),
            ("true", "true")
        );
        assert!(!format!("{facts:?}").contains("t0ken"));

        let reindented = PIPFILE
            .replace(
                "requests = \"*\"\nFlask = \"==3.0.0\"\n",
                "  Flask = \"==3.0.0\"\n  requests = \"*\"\n",
            )
            .replace(
                "url = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"",
                "name = \"pypi\"\n  url = \"https://pypi.org/simple\"\n  verify_ssl = true",
            );
        assert_eq!(
            keys_and_attrs(&facts),
            keys_and_attrs(&pipfile(&reindented).unwrap())
        );
    }

    const SETUP_CFG: &str = "[metadata]\nname = app\n\n[options]\npackages = find:\ninstall_requires =\n    requests>=2.31\n    # pinned for CVE\n    urllib3 >=2.2.2 ; python_version >= \"3.8\"\n\n    private-lib @ git+https://bot:ghp_abc123@github.com/org/private-lib.git@v2  # fork\nsetup_requires = setuptools_scm>=8, wheel\ntests_require = pytest\n\n[options.extras_require]\nyaml =\n    PyYAML>=6\ntoml = tomli; python_version < \"3.11\"\n";

    #[test]
    fn setup_cfg_options_and_extras() {
        let facts = setup_cfg(SETUP_CFG).unwrap();
        assert_eq!(
            summary(&facts),
            vec![
                row(
                    "dependency",
                    "pypi/private-lib",
                    "install_requires",
                    "git+https://github.com/org/private-lib.git@v2",
                    "git"
                ),
                row("dependency", "pypi/pytest", "tests_require", "", "registry"),
                row(
                    "dependency",
                    "pypi/pyyaml",
                    "extras:yaml",
                    ">=6",
                    "registry"
                ),
                row(
                    "dependency",
                    "pypi/requests",
                    "install_requires",
                    ">=2.31",
                    "registry"
                ),
                row(
                    "dependency",
                    "pypi/setuptools-scm",
                    "setup_requires",
                    ">=8",
                    "registry"
                ),
                row("dependency", "pypi/tomli", "extras:toml", "", "registry"),
                row(
                    "dependency",
                    "pypi/urllib3",
                    "install_requires",
                    ">=2.2.2",
                    "registry"
                ),
                row("dependency", "pypi/wheel", "setup_requires", "", "registry"),
            ]
        );
        assert_eq!(span_text(SETUP_CFG, &facts, &["pypi", "pyyaml"]), "PyYAML");
        assert_eq!(span_text(SETUP_CFG, &facts, &["pypi", "wheel"]), "wheel");
        assert_eq!(
            span_text(SETUP_CFG, &facts, &["pypi", "urllib3"]),
            "urllib3"
        );
        assert!(!format!("{facts:?}").contains("ghp_abc123"));

        let reindented = SETUP_CFG
            .replace("    requests>=2.31\n", "\trequests >= 2.31\n")
            .replace(
                "setup_requires = setuptools_scm>=8, wheel",
                "setup_requires =\n  wheel\n  setuptools_scm>=8",
            );
        assert_eq!(
            keys_and_attrs(&facts),
            keys_and_attrs(&setup_cfg(&reindented).unwrap())
        );
    }

    #[test]
    fn malformed_files_are_errors_not_panics() {
        for bad in [
            "[project\ndependencies = [\"a\"]",
            "[project]\ndependencies = [\"a\",",
            "[tool.poetry.dependencies]\nx = 1\nx = 2\n",
            "\"",
        ] {
            assert!(pyproject(bad).is_err(), "{bad:?}");
            assert!(pipfile(bad).is_err(), "{bad:?}");
        }
        let err = pyproject("[project]\nname = \"x\"\ndependencies = [\n").unwrap_err();
        assert!(
            err.starts_with("could not be read as TOML (syntax error near line"),
            "{err}"
        );
        for bad in [
            "install_requires = a\n",
            "[options\ninstall_requires = a\n",
            "[options]\njust some words\n",
            "[]\n",
        ] {
            assert!(setup_cfg(bad).is_err(), "{bad:?}");
        }
        // Odd but valid values give what they can, and never panic.
        for odd in [
            "[project]\ndependencies = [1, {a = 2}, \"\", \"@\", \" x @ \", \"\\u00e9\"]\n",
            "[tool.poetry.dependencies]\na = 1\nb = []\nc = [1]\n[tool.poetry.group]\nx = 1\n",
            "[tool.uv]\nindex = 3\nindex-url = [1]\n[[tool.poetry.source]]\n",
            "[packages]\n\"é\" = {}\n",
        ] {
            assert!(pyproject(odd).is_ok() && pipfile(odd).is_ok(), "{odd:?}");
        }
        assert!(setup_cfg("[options]\ninstall_requires =\n  \u{e9}\n  ,;,\n  a,\n").is_ok());
    }

    #[test]
    fn no_prefix_or_splice_of_a_manifest_panics() {
        for text in [PYPROJECT, POETRY, PIPFILE, SETUP_CFG] {
            for (i, _) in text.char_indices() {
                for t in [&text[..i], &format!("{}\"[\n={}", &text[..i], &text[i..])] {
                    let _ = pyproject(t);
                    let _ = pipfile(t);
                    let _ = setup_cfg(t);
                }
            }
        }
    }
}
