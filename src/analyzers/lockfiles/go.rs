//! `go.sum`: one `module version[/go.mod] h1:hash` a line, the checksums of the module graph.
//! Its format is three space-separated fields a line (the go command's own), so a line reader
//! is the whole parser. A module's `/go.mod` line and its archive line are one entry.

use std::borrow::Cow;

use super::Locked;

pub fn go_sum(text: &str) -> Vec<Locked<'_>> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let mut fields = line.split_whitespace();
        let (Some(module), Some(version), Some(hash)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let version = version.trim_end_matches("/go.mod");
        if !seen.insert((module, version)) {
            continue;
        }
        out.push(Locked {
            key: Cow::Owned(format!("{module}@{version}")),
            name: Cow::Borrowed(module),
            version: Cow::Borrowed(version),
            ecosystem: "go",
            source: "registry",
            host: Cow::Borrowed(""),
            integrity: hash.starts_with("h1:"),
            install_script: false,
            span: (start, start + module.len()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_module_version() {
        let text = "github.com/a/b v1.2.0 h1:AAA=\ngithub.com/a/b v1.2.0/go.mod h1:BBB=\ngolang.org/x/mod v0.20.0/go.mod h1:CCC=\n";
        let f: Vec<_> = go_sum(text).into_iter().map(Locked::into_fact).collect();
        let got: Vec<(&str, &str)> = f
            .iter()
            .map(|f| (f.text("name"), f.text("version")))
            .collect();
        assert_eq!(
            got,
            vec![
                ("github.com/a/b", "v1.2.0"),
                ("golang.org/x/mod", "v0.20.0")
            ]
        );
        assert_eq!(&text[f[1].span.0..f[1].span.1], "golang.org/x/mod");
    }
}
