//! `pnpm-lock.yaml` (lockfile versions 5 to 9): the `packages` map, keyed `/name@version`
//! (v5/v6, `/name/version` in v5) or `name@version` (v9), with each entry's resolution
//! (`integrity`, or a `tarball` URL, or a git `repo`) and `requiresBuild` (an install script,
//! up to v8). Read by `serde_yaml`; npm-style headers (two spaces in, under `packages:`) give
//! the lines.

use serde_yaml::Value as Yaml;

use std::borrow::Cow;

use super::{header_lines, host_of, unreadable, Locked};

/// `(name, version)` of a `packages` key.
fn split_key(key: &str) -> (&str, &str) {
    let k = key.trim_start_matches('/');
    // the version starts at the last `@` that is not the scope's (v6, v9), or the last `/` (v5)
    let at = k[1..].find('@').map(|i| i + 1).or_else(|| k.rfind('/'));
    match at {
        Some(i) => {
            let version = &k[i + 1..];
            // peer-dependency suffixes: `1.0.0(react@18.0.0)` or `1.0.0_react@18.0.0`
            let version = version.split(['(', '_']).next().unwrap_or(version);
            (&k[..i], version)
        }
        None => (k, ""),
    }
}

pub fn pnpm_lock(text: &str) -> Result<Vec<Locked<'_>>, String> {
    let doc: Yaml = serde_yaml::from_str(text).map_err(|e| unreadable("a pnpm-lock.yaml", e))?;
    let Some(packages) = doc.get("packages").and_then(Yaml::as_mapping) else {
        return Ok(Vec::new());
    };
    let start = text.find("\npackages:").unwrap_or(0);
    let offsets: std::collections::HashMap<&str, usize> = header_lines(&text[start..], |l| {
        let key = l.strip_prefix("  ")?.strip_suffix(':')?;
        (!key.starts_with(' ')).then(|| key.trim_matches(['\'', '"']))
    })
    .into_iter()
    .map(|(k, at)| (k, at + start + 2))
    .collect();
    let mut out = Vec::new();
    for (k, v) in packages {
        let Some(key) = k.as_str() else { continue };
        let (name, version) = split_key(key);
        let resolution = v.get("resolution");
        let field = |f: &str| resolution.and_then(|r| r.get(f)).and_then(Yaml::as_str);
        let (source, url) = if let Some(repo) = field("repo") {
            ("git", repo)
        } else if let Some(t) = field("tarball") {
            (
                if t.starts_with("file:") {
                    "path"
                } else {
                    "url"
                },
                t,
            )
        } else if field("directory").is_some() {
            ("path", "")
        } else {
            ("registry", "")
        };
        let at = offsets.get(key).copied().unwrap_or(0);
        // the name starts after a v5/v6 key's `/` and any quote
        let name_at = text[at..]
            .find(name)
            .filter(|i| *i < 3)
            .map_or(at, |i| at + i);
        out.push(Locked {
            key: Cow::Owned(format!("{name}@{version}")),
            name: Cow::Owned(name.to_string()),
            version: Cow::Owned(version.to_string()),
            ecosystem: "npm",
            source,
            host: Cow::Owned(host_of(url).to_string()),
            integrity: field("integrity").is_some(),
            install_script: v.get("requiresBuild").and_then(Yaml::as_bool) == Some(true),
            span: (name_at, name_at + name.len()),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v9_and_v6_keys() {
        assert_eq!(split_key("@s/a@1.0.0"), ("@s/a", "1.0.0"));
        assert_eq!(split_key("/ms@2.1.3"), ("ms", "2.1.3"));
        assert_eq!(
            split_key("/react-dom@18.2.0(react@18.2.0)"),
            ("react-dom", "18.2.0")
        );
        assert_eq!(split_key("/ms/2.1.3"), ("ms", "2.1.3"));
    }

    #[test]
    fn packages_with_resolutions_and_lines() {
        let text = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      ms:\n        specifier: ^2.1.3\n        version: 2.1.3\n\npackages:\n\n  ms@2.1.3:\n    resolution: {integrity: sha512-AAAA}\n\n  '@s/tool@1.0.0':\n    resolution: {tarball: https://pkgs.example.com/tool-1.0.0.tgz}\n    requiresBuild: true\n";
        let f: Vec<_> = pnpm_lock(text)
            .unwrap()
            .into_iter()
            .map(Locked::into_fact)
            .collect();
        let got: Vec<(&str, &str, &str, &str, &str)> = f
            .iter()
            .map(|f| {
                (
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
                ("ms", "registry", "", "yes", "false"),
                ("@s/tool", "url", "pkgs.example.com", "no", "true"),
            ]
        );
        assert_eq!(&text[f[1].span.0..f[1].span.1], "@s/tool");
    }
}
