//! `go.sum`: one `module version[/go.mod] h1:hash` a line, the checksums of the module graph.
//! Its format is three space-separated fields a line (the go command's own), so a line reader
//! is the whole parser. A module's `/go.mod` line and its archive line are one entry.

use super::Locked;
use crate::analyzers::Fact;

pub fn go_sum(text: &str) -> Vec<Fact> {
    let mut out: Vec<Fact> = Vec::new();
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
        out.push(
            Locked {
                key: vec!["go".into(), module.to_string(), version.to_string()],
                name: module,
                version,
                ecosystem: "go",
                source: "registry",
                host: String::new(),
                integrity: hash.starts_with("h1:"),
                install_script: false,
                span: (start, start + module.len()),
            }
            .into_fact(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_module_version() {
        let text = "github.com/a/b v1.2.0 h1:AAA=\ngithub.com/a/b v1.2.0/go.mod h1:BBB=\ngolang.org/x/mod v0.20.0/go.mod h1:CCC=\n";
        let f = go_sum(text);
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
