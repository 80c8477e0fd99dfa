//! Python lockfiles: `poetry.lock` and `uv.lock` (TOML, one `[[package]]` table an entry, read
//! by `toml`) and `Pipfile.lock` (JSON, read by `serde_json`). Names are normalised as pip
//! does, so they meet the manifests' names.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::cargo::toml_package_names;
use super::{host_of, unreadable, Locked};
use crate::analyzers::requirements::normalize;

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
    #[serde(default)]
    metadata: PoetryMetadata,
}

#[derive(Deserialize, Default)]
struct PoetryMetadata {
    /// Poetry before 1.2 kept the hashes here, by package name.
    #[serde(default)]
    files: BTreeMap<String, Vec<toml::Value>>,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    files: Vec<toml::Value>,
    source: Option<PoetrySource>,
}

#[derive(Deserialize)]
struct PoetrySource {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    url: String,
}

fn source_word(kind: &str) -> &'static str {
    match kind {
        "git" => "git",
        "url" => "url",
        "file" | "directory" | "path" | "editable" | "virtual" => "path",
        _ => "registry",
    }
}

pub fn poetry_lock(text: &str) -> Result<Vec<Locked<'static>>, String> {
    let lock: PoetryLock =
        toml::from_str(text).map_err(|e| unreadable("a poetry.lock", e.message()))?;
    let names = toml_package_names(text);
    Ok(lock
        .package
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let at = names.get(i).copied().unwrap_or(0);
            let (source, url) = match &p.source {
                Some(s) => (source_word(&s.kind), s.url.as_str()),
                None => ("registry", ""),
            };
            let integrity = !p.files.is_empty()
                || lock
                    .metadata
                    .files
                    .get(&p.name)
                    .is_some_and(|f| !f.is_empty());
            let name = normalize(&p.name);
            Locked {
                key: Cow::Owned(format!("{name}@{}", p.version)),
                span: (at, at + p.name.len()),
                name: Cow::Owned(name),
                version: Cow::Owned(p.version.clone()),
                ecosystem: "pypi",
                source,
                host: Cow::Owned(host_of(url).to_string()),
                integrity,
                install_script: false,
            }
        })
        .collect())
}

#[derive(Deserialize)]
struct UvLock {
    #[serde(default)]
    package: Vec<UvPackage>,
}

#[derive(Deserialize)]
struct UvPackage {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    source: BTreeMap<String, toml::Value>,
    sdist: Option<toml::Table>,
    #[serde(default)]
    wheels: Vec<toml::Table>,
}

pub fn uv_lock(text: &str) -> Result<Vec<Locked<'static>>, String> {
    let lock: UvLock = toml::from_str(text).map_err(|e| unreadable("a uv.lock", e.message()))?;
    let names = toml_package_names(text);
    Ok(lock
        .package
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let at = names.get(i).copied().unwrap_or(0);
            let (kind, url) = p
                .source
                .iter()
                .next()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default()))
                .unwrap_or(("registry", ""));
            let hashed = |t: &toml::Table| t.contains_key("hash");
            let integrity = p.sdist.as_ref().is_some_and(hashed) || p.wheels.iter().any(hashed);
            let name = normalize(&p.name);
            Locked {
                key: Cow::Owned(format!("{name}@{}", p.version)),
                span: (at, at + p.name.len()),
                name: Cow::Owned(name),
                version: Cow::Owned(p.version.clone()),
                ecosystem: "pypi",
                source: source_word(kind),
                host: Cow::Owned(host_of(url).to_string()),
                integrity,
                install_script: false,
            }
        })
        .collect())
}

#[derive(Deserialize)]
struct PipfileLock {
    #[serde(rename = "_meta", default)]
    meta: PipfileMeta,
    #[serde(default)]
    default: BTreeMap<String, PipfileEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipfileEntry>,
}

#[derive(Deserialize, Default)]
struct PipfileMeta {
    #[serde(default)]
    sources: Vec<PipfileSource>,
}

#[derive(Deserialize)]
struct PipfileSource {
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PipfileEntry {
    version: String,
    hashes: Vec<String>,
    index: Option<String>,
    git: Option<String>,
    path: Option<String>,
    file: Option<String>,
}

pub fn pipfile_lock(text: &str) -> Result<Vec<Locked<'static>>, String> {
    let lock: PipfileLock =
        serde_json::from_str(text).map_err(|e| unreadable("a Pipfile.lock", e))?;
    let mut out = Vec::new();
    for (section, entries) in [("default", &lock.default), ("develop", &lock.develop)] {
        let mut cursor = text.find(&format!("\"{section}\": {{")).unwrap_or(0);
        for (name, e) in entries {
            let needle = format!("\"{name}\": {{");
            let at = text[cursor..]
                .find(&needle)
                .map(|i| cursor + i + 1)
                .or_else(|| text.find(&needle).map(|i| i + 1))
                .unwrap_or(0);
            cursor = cursor.max(at);
            let (source, url) = if let Some(g) = &e.git {
                ("git", g.as_str())
            } else if e.path.is_some() {
                ("path", "")
            } else if let Some(f) = &e.file {
                ("url", f.as_str())
            } else {
                let index = e.index.as_deref().unwrap_or_default();
                let url = lock
                    .meta
                    .sources
                    .iter()
                    .find(|s| s.name == index)
                    .map_or("", |s| s.url.as_str());
                ("registry", url)
            };
            let norm = normalize(name);
            let version = e.version.trim_start_matches("==").to_string();
            out.push(Locked {
                key: Cow::Owned(format!("{norm}@{version}")),
                name: Cow::Owned(norm),
                version: Cow::Owned(version),
                ecosystem: "pypi",
                source,
                host: Cow::Owned(host_of(url).to_string()),
                integrity: !e.hashes.is_empty(),
                install_script: false,
                span: (at, at + name.len()),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poetry_entries_from_the_default_and_another_source() {
        let text = "# This file is automatically @generated by Poetry 2.1.1 and should not be changed by hand.\n\n[[package]]\nname = \"Django\"\nversion = \"5.1.4\"\ndescription = \"\"\noptional = false\npython-versions = \">=3.10\"\nfiles = [\n    {file = \"django-5.1.4.tar.gz\", hash = \"sha256:abc\"},\n]\n\n[[package]]\nname = \"internal-lib\"\nversion = \"1.0.0\"\nfiles = []\n\n[package.source]\ntype = \"legacy\"\nurl = \"https://pkgs.example.com/simple\"\nreference = \"internal\"\n\n[metadata]\nlock-version = \"2.1\"\n";
        let f: Vec<_> = poetry_lock(text)
            .unwrap()
            .into_iter()
            .map(Locked::into_fact)
            .collect();
        let got: Vec<(&str, &str, &str)> = f
            .iter()
            .map(|f| (f.text("name"), f.text("host"), f.text("integrity")))
            .collect();
        assert_eq!(
            got,
            vec![
                ("django", "", "yes"),
                ("internal-lib", "pkgs.example.com", "no")
            ]
        );
        assert_eq!(&text[f[0].span.0..f[0].span.1], "Django");
    }

    #[test]
    fn uv_sources_and_hashes() {
        let text = "version = 1\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\n\n[[package]]\nname = \"idna\"\nversion = \"3.10\"\nsource = { registry = \"https://index.example.com/simple\" }\nsdist = { url = \"https://files.example.com/idna-3.10.tar.gz\", hash = \"sha256:abc\", size = 1 }\n";
        let f: Vec<_> = uv_lock(text)
            .unwrap()
            .into_iter()
            .map(Locked::into_fact)
            .collect();
        let got: Vec<(&str, &str, &str, &str)> = f
            .iter()
            .map(|f| {
                (
                    f.text("name"),
                    f.text("source"),
                    f.text("host"),
                    f.text("integrity"),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("app", "path", "", "no"),
                ("idna", "registry", "index.example.com", "yes")
            ]
        );
    }

    #[test]
    fn pipfile_lock_entries_take_their_index_host() {
        let text = "{\n    \"_meta\": {\n        \"sources\": [\n            {\"name\": \"internal\", \"url\": \"https://pkgs.example.com/simple\", \"verify_ssl\": true}\n        ]\n    },\n    \"default\": {\n        \"requests\": {\n            \"hashes\": [\"sha256:abc\"],\n            \"index\": \"internal\",\n            \"version\": \"==2.32.3\"\n        }\n    },\n    \"develop\": {}\n}\n";
        let f: Vec<_> = pipfile_lock(text)
            .unwrap()
            .into_iter()
            .map(Locked::into_fact)
            .collect();
        assert_eq!(f[0].text("host"), "pkgs.example.com");
        assert_eq!(f[0].text("version"), "2.32.3");
        assert_eq!(&text[f[0].span.0..f[0].span.1], "requests");
    }
}
