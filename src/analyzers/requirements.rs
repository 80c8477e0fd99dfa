//! pip requirements files (`requirements*.txt`, `requirements/*.txt`, pip-tools' `*.in`): each
//! requirement is a `dependency` fact (its specifier parsed by `pep508_rs`), each index option
//! (`--index-url`, `--extra-index-url`, `--find-links`, `--trusted-host`) a `package-index` fact.
//! The file's line structure (options, comments, continuations) is pip's own format, which no
//! crate parses with locations; the requirement itself is PEP 508, which `pep508_rs` does.

use std::str::FromStr;

use super::{Fact, Value};

/// Whether a path is a pip requirements file.
pub fn is_requirements(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let parent = path.rsplit('/').nth(1).unwrap_or_default();
    let ext_ok = file.ends_with(".txt") || file.ends_with(".in");
    ext_ok
        && (file.starts_with("requirements")
            || file.starts_with("constraints")
            || parent == "requirements")
}

/// pip's name normalisation (PEP 503): lower case, runs of `-_.` as one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// A URL without `user:password@`: credentials in an index URL are the secrets pack's business,
/// never a fact's attribute (which messages show).
pub fn without_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if let Some(at) = authority.rfind('@') {
            return format!("{scheme}://{}{path}", &authority[at + 1..]);
        }
    }
    url.to_string()
}

fn text_attrs(pairs: &[(&str, String)]) -> std::collections::BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::Text(v.clone())))
        .collect()
}

fn source_of(url: &str) -> &'static str {
    if url.starts_with("git+") {
        "git"
    } else if url.starts_with("file:") || url.starts_with('.') || url.starts_with('/') {
        "path"
    } else {
        "url"
    }
}

/// The facts of one side of a requirements file. Lines that are not requirements pip knows are
/// skipped (pip would fail on them; that is not diffward's finding to make).
pub fn extract(text: &str) -> Vec<Fact> {
    let mut out = Vec::new();
    // Where the file first pins a hash (`--hash=…`, `--require-hashes`): one `hash-pinning`
    // fact a file, since pip checks every requirement or none.
    let mut pinning: Option<((usize, usize), &str)> = None;
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r', '\\']);
        // A comment starts a line or follows whitespace.
        let code = match line
            .find(" #")
            .or_else(|| line.starts_with('#').then_some(0))
        {
            Some(i) => &line[..i],
            None => line,
        };
        let lead = code.len() - code.trim_start().len();
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        let at = line_start + lead;
        if pinning.is_none() {
            if let Some(i) = code.find("--hash") {
                pinning = Some(((at + i, at + i + "--hash".len()), "hash"));
            } else if code.starts_with("--require-hashes") {
                pinning = Some(((at, at + code.len()), "require-hashes"));
            }
        }
        if code.starts_with('-') {
            options(code, at, &mut out);
            continue;
        }
        requirement(code, at, &mut out);
    }
    if let Some((span, how)) = pinning {
        out.push(Fact {
            kind: "hash-pinning",
            key: vec!["pypi".into(), "hash-pinning".into()],
            attrs: text_attrs(&[("how", how.into()), ("ecosystem", "pypi".into())]),
            span,
            related: Vec::new(),
        });
    }
    out
}

fn options(code: &str, at: usize, out: &mut Vec<Fact>) {
    let (opt, value) = match code.split_once(['=', ' ', '\t']) {
        Some((o, v)) => (o, v.trim()),
        None => (code, ""),
    };
    let option = match opt {
        "-i" | "--index-url" => "index-url",
        "--extra-index-url" => "extra-index-url",
        "-f" | "--find-links" => "find-links",
        "--trusted-host" => "trusted-host",
        "-e" | "--editable" => {
            editable(value, at + (code.len() - value.len()), out);
            return;
        }
        _ => return,
    };
    let url = without_credentials(value);
    out.push(Fact {
        kind: "package-index",
        key: vec!["pypi".into(), option.into(), url.clone()],
        attrs: text_attrs(&[
            ("option", option.into()),
            ("url", url),
            ("ecosystem", "pypi".into()),
        ]),
        span: (at, at + code.len()),
        related: Vec::new(),
    });
}

fn editable(value: &str, at: usize, out: &mut Vec<Fact>) {
    let name = value
        .split_once("#egg=")
        .map(|(_, n)| n.split('&').next().unwrap_or(n).to_string())
        .unwrap_or_else(|| {
            value
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(value)
                .to_string()
        });
    push_dependency(
        out,
        &name,
        without_credentials(value),
        source_of(value),
        (at, at + value.len()),
    );
}

fn push_dependency(
    out: &mut Vec<Fact>,
    name: &str,
    version: String,
    source: &str,
    span: (usize, usize),
) {
    let norm = normalize(name);
    out.push(Fact {
        kind: "dependency",
        key: vec!["pypi".into(), norm.clone()],
        attrs: text_attrs(&[
            ("name", norm),
            ("section", "requirements".into()),
            ("version", version),
            ("source", source.into()),
            ("ecosystem", "pypi".into()),
        ]),
        span,
        related: Vec::new(),
    });
}

fn requirement(code: &str, at: usize, out: &mut Vec<Fact>) {
    // `--hash=...` and other per-requirement options follow the specifier.
    let spec = match code.find(" --") {
        Some(i) => code[..i].trim(),
        None => code,
    };
    if spec.contains("://") && !spec.contains('@') || spec.starts_with("git+") {
        // A bare URL: the name is its `#egg=` fragment's, else the archive's or repository's.
        let egg = spec
            .split_once("#egg=")
            .map(|(_, e)| e.split(['&', ' ']).next().unwrap_or(e));
        let file = spec
            .split('#')
            .next()
            .unwrap_or(spec)
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(spec);
        let archive = [".tar.gz", ".tgz", ".zip", ".whl", ".tar.bz2"]
            .iter()
            .any(|e| file.ends_with(e));
        let name = egg.unwrap_or_else(|| {
            let stem = file.split('@').next().unwrap_or(file);
            if archive {
                // `name-1.0.tar.gz`, `name-1.0-py3-none-any.whl`
                stem.split('-').next().unwrap_or(stem)
            } else {
                stem.trim_end_matches(".git")
            }
        });
        push_dependency(
            out,
            name,
            without_credentials(spec),
            source_of(spec),
            (at, at + spec.len()),
        );
        return;
    }
    let Ok(req) = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(spec) else {
        return;
    };
    let name = req.name.to_string();
    let (version, source) = match &req.version_or_url {
        None => (String::new(), "registry"),
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(s)) => (s.to_string(), "registry"),
        Some(pep508_rs::VersionOrUrl::Url(u)) => {
            let u = u.to_string();
            let source = source_of(&u);
            (without_credentials(&u), source)
        }
    };
    // The name is where the line starts (PEP 508 puts it first).
    let name_len = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    push_dependency(out, &name, version, source, (at, at + name_len));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(f: &Fact, k: &str) -> String {
        f.text(k).to_string()
    }

    #[test]
    fn requirements_options_and_sources() {
        let text = "# app\n--extra-index-url https://user:tok@pkgs.example.com/simple\nDjango==5.1.4 --hash=sha256:abc\nrequests>=2.31  # http\nmy_lib @ git+https://example.com/my-lib.git@abc123\n-e ./vendor/tool\n--trusted-host pkgs.example.com\n-r base.txt\n";
        let f = extract(text);
        let got: Vec<(String, String, String, String)> = f
            .iter()
            .map(|f| {
                (
                    f.kind.to_string(),
                    attr(f, "name") + &attr(f, "option"),
                    attr(f, "version") + &attr(f, "url"),
                    attr(f, "source"),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "package-index".into(),
                    "extra-index-url".into(),
                    "https://pkgs.example.com/simple".into(),
                    String::new()
                ),
                (
                    "dependency".into(),
                    "django".into(),
                    "==5.1.4".into(),
                    "registry".into()
                ),
                (
                    "dependency".into(),
                    "requests".into(),
                    ">=2.31".into(),
                    "registry".into()
                ),
                (
                    "dependency".into(),
                    "my-lib".into(),
                    "git+https://example.com/my-lib.git@abc123".into(),
                    "git".into()
                ),
                (
                    "dependency".into(),
                    "tool".into(),
                    "./vendor/tool".into(),
                    "path".into()
                ),
                (
                    "package-index".into(),
                    "trusted-host".into(),
                    "pkgs.example.com".into(),
                    String::new()
                ),
                (
                    "hash-pinning".into(),
                    String::new(),
                    String::new(),
                    String::new()
                ),
            ]
        );
        let django = &f[1];
        assert_eq!(&text[django.span.0..django.span.1], "Django");
        assert!(
            !format!("{f:?}").contains("tok@"),
            "credentials never reach a fact"
        );
    }

    #[test]
    fn a_bare_url_is_named_by_its_egg_or_its_repository() {
        let f = extract("git+https://git.example.com/idan/oauthlib.git#egg=oauthlib\ngit+https://git.example.com/org/tool.git@v1\nhttps://files.example.com/pkg_x-1.0.tar.gz\n");
        let names: Vec<&str> = f.iter().map(|f| f.text("name")).collect();
        assert_eq!(names, vec!["oauthlib", "tool", "pkg-x"]);
    }

    #[test]
    fn hash_pinning_is_one_fact_a_file() {
        let text = "django==5.1.4 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\nidna==3.10 \\\n    --hash=sha256:ccc\n";
        let f = extract(text);
        let pins: Vec<&Fact> = f.iter().filter(|f| f.kind == "hash-pinning").collect();
        assert_eq!(pins.len(), 1, "{f:?}");
        assert_eq!(&text[pins[0].span.0..pins[0].span.1], "--hash");
        assert_eq!(f.iter().filter(|f| f.kind == "dependency").count(), 2);
        assert!(extract("django==5.1.4\n")
            .iter()
            .all(|f| f.kind != "hash-pinning"));
    }

    #[test]
    fn requirement_files_are_recognised_by_name() {
        assert!(is_requirements("requirements.txt"));
        assert!(is_requirements("requirements-dev.txt"));
        assert!(is_requirements("requirements/prod.txt"));
        assert!(is_requirements("requirements.in"));
        assert!(!is_requirements("docs/notes.txt"));
        assert_eq!(normalize("Django_Rest.Framework"), "django-rest-framework");
    }
}
