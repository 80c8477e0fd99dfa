//! `package-lock.json` and `npm-shrinkwrap.json`, lockfile versions 1, 2 and 3.
//!
//! Versions 2 and 3 list every installed package under `packages`, keyed by its install path;
//! version 1 nests `dependencies` inside `dependencies`. Both are read into the same key, the
//! install path, so a lockfile upgraded from v1 to v3 with the same resolutions is unchanged.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{header_lines, host_in, source_of_url, unreadable, Locked};

#[derive(Deserialize)]
struct PackageLock<'a> {
    #[serde(default, borrow)]
    packages: BTreeMap<Cow<'a, str>, Entry<'a>>,
    #[serde(default, borrow)]
    dependencies: BTreeMap<Cow<'a, str>, V1Entry<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Entry<'a> {
    #[serde(borrow)]
    version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    resolved: Option<Cow<'a, str>>,
    integrity: Option<IgnoredAny>,
    has_install_script: bool,
    link: bool,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct V1Entry<'a> {
    #[serde(borrow)]
    version: Cow<'a, str>,
    #[serde(borrow)]
    resolved: Option<Cow<'a, str>>,
    integrity: Option<IgnoredAny>,
    #[serde(borrow)]
    dependencies: BTreeMap<Cow<'a, str>, V1Entry<'a>>,
}

/// The package name at the end of an install path (`node_modules/@s/a` → `@s/a`).
fn name_of<'a>(path: &Cow<'a, str>) -> Cow<'a, str> {
    let tail = |p: &str| -> usize {
        p.rfind("node_modules/")
            .map_or(0, |i| i + "node_modules/".len())
    };
    match path {
        Cow::Borrowed(p) => Cow::Borrowed(&p[tail(p)..]),
        Cow::Owned(p) => Cow::Owned(p[tail(p)..].to_string()),
    }
}

pub fn package_lock(text: &str) -> Result<Vec<Locked<'_>>, String> {
    let lock: PackageLock<'_> =
        serde_json::from_str(text).map_err(|e| unreadable("a package-lock.json", e))?;
    let mut out = Vec::new();
    if !lock.packages.is_empty() {
        // npm writes one `"<path>": {` a line, four spaces in, inside `"packages"`.
        let start = text.find("\"packages\"").unwrap_or(0);
        let offsets: std::collections::HashMap<&str, usize> = header_lines(&text[start..], |l| {
            l.strip_prefix("    \"")?.strip_suffix("\": {")
        })
        .into_iter()
        .map(|(k, at)| (k, at + start + 5))
        .collect();
        for (path, e) in lock.packages {
            if path.is_empty() {
                // the project itself
                continue;
            }
            let at = offsets
                .get(path.as_ref())
                .copied()
                .or_else(|| text.find(&format!("\"{path}\"")).map(|i| i + 1))
                .unwrap_or(0);
            let resolved = e.resolved.unwrap_or_default();
            let version = e.version.unwrap_or_default();
            let source = if e.link || !path.contains("node_modules/") {
                "workspace"
            } else {
                match source_of_url(&resolved) {
                    "registry" if resolved.is_empty() => source_of_url(&version),
                    s => s,
                }
            };
            let name = e.name.unwrap_or_else(|| name_of(&path));
            out.push(Locked {
                span: (at, at + path.len()),
                host: host_in(&resolved),
                key: path,
                name,
                version,
                ecosystem: "npm",
                source,
                integrity: e.integrity.is_some(),
                install_script: e.has_install_script,
            });
        }
        return Ok(out);
    }
    let mut cursor = text.find("\"dependencies\"").unwrap_or(0);
    v1(lock.dependencies, "", text, &mut cursor, &mut out);
    Ok(out)
}

/// Version 1's nested `dependencies`, flattened to install paths. `cursor` walks forward
/// through the text as npm wrote the entries (sorted, parents before their children).
fn v1<'a>(
    deps: BTreeMap<Cow<'a, str>, V1Entry<'a>>,
    parent: &str,
    text: &str,
    cursor: &mut usize,
    out: &mut Vec<Locked<'a>>,
) {
    for (name, e) in deps {
        let path = format!("{parent}node_modules/{name}");
        let needle = format!("\"{name}\": {{");
        let at = memchr::memmem::find(&text.as_bytes()[*cursor..], needle.as_bytes())
            .map(|i| *cursor + i + 1)
            .or_else(|| text.find(&needle).map(|i| i + 1))
            .unwrap_or(0);
        *cursor = at.max(*cursor);
        let resolved = e.resolved.unwrap_or_default();
        let source = match source_of_url(&resolved) {
            "registry" => source_of_url(&e.version),
            s => s,
        };
        let child_parent = format!("{path}/");
        out.push(Locked {
            key: Cow::Owned(path),
            span: (at, at + name.len()),
            name,
            version: e.version,
            ecosystem: "npm",
            source,
            host: host_in(&resolved),
            integrity: e.integrity.is_some(),
            install_script: false,
        });
        v1(e.dependencies, &child_parent, text, cursor, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V3: &str = r#"{
  "name": "app",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "app",
      "dependencies": { "esbuild": "^0.24.0" }
    },
    "node_modules/esbuild": {
      "version": "0.24.0",
      "integrity": "sha512-AAAA",
      "hasInstallScript": true
    },
    "node_modules/esbuild/node_modules/ms": {
      "version": "2.1.3",
      "resolved": "https://pkgs.example.com/ms/-/ms-2.1.3.tgz"
    },
    "packages/web": {
      "name": "web"
    }
  }
}
"#;

    #[test]
    fn v3_entries_by_install_path_with_their_lines() {
        let f: Vec<_> = package_lock(V3)
            .unwrap()
            .into_iter()
            .map(Locked::into_fact)
            .collect();
        let got: Vec<(String, &str, &str, &str, &str, &str)> = f
            .iter()
            .map(|f| {
                (
                    f.key[1].clone(),
                    f.text("name"),
                    f.text("source"),
                    f.text("host"),
                    f.text("integrity"),
                    f.text("install-script"),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "node_modules/esbuild".into(),
                    "esbuild",
                    "registry",
                    "",
                    "yes",
                    "true"
                ),
                (
                    "node_modules/esbuild/node_modules/ms".into(),
                    "ms",
                    "registry",
                    "pkgs.example.com",
                    "no",
                    "false"
                ),
                ("packages/web".into(), "web", "workspace", "", "no", "false"),
            ]
        );
        assert_eq!(
            &V3[f[1].span.0..f[1].span.1],
            "node_modules/esbuild/node_modules/ms"
        );
    }

    #[test]
    fn v1_nested_dependencies_become_install_paths() {
        let text = r#"{
  "lockfileVersion": 1,
  "dependencies": {
    "a": {
      "version": "1.0.0",
      "integrity": "sha512-x",
      "dependencies": {
        "b": { "version": "2.0.0", "integrity": "sha512-y" }
      }
    },
    "b": { "version": "1.0.0", "resolved": "git+https://git.example.com/b.git#abc" }
  }
}
"#;
        let f: Vec<_> = package_lock(text)
            .unwrap()
            .into_iter()
            .map(Locked::into_fact)
            .collect();
        let keys: Vec<(&str, &str, usize)> = f
            .iter()
            .map(|f| {
                (
                    f.key[1].as_str(),
                    f.text("source"),
                    text[..f.span.0].lines().count(),
                )
            })
            .collect();
        assert_eq!(
            keys,
            vec![
                ("node_modules/a", "registry", 4),
                ("node_modules/a/node_modules/b", "registry", 8),
                ("node_modules/b", "git", 11),
            ]
        );
    }

    #[test]
    fn malformed_json_is_an_error() {
        assert!(package_lock("{\"packages\": {").is_err());
    }
}
