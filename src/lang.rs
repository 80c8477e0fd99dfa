//! The closed set of languages diffward parses with tree-sitter.
//!
//! Each language has one `Lang` variant; the data that varies by language (extensions, file
//! names, comment syntax, string node kinds) lives in `grammars/<lang>.toml`, embedded at build
//! time and read once. A file that maps to no language is plain text: only regex rules see it.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A language with a tree-sitter grammar.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Rust,
    Python,
    Javascript,
    Typescript,
    Tsx,
    Yaml,
    Json,
    Toml,
    Go,
}

/// Per-language data read from `grammars/<lang>.toml`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LangData {
    pub name: String,
    pub extensions: Vec<String>,
    #[serde(default)]
    pub filenames: Vec<String>,
    #[serde(default)]
    pub shebangs: Vec<String>,
    #[serde(default)]
    pub line_comments: Vec<String>,
    #[serde(default)]
    pub block_comments: Vec<(String, String)>,
    #[serde(default)]
    pub string_kinds: Vec<String>,
}

impl Lang {
    pub const ALL: [Lang; 9] = [
        Lang::Rust,
        Lang::Python,
        Lang::Javascript,
        Lang::Typescript,
        Lang::Tsx,
        Lang::Yaml,
        Lang::Json,
        Lang::Toml,
        Lang::Go,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Javascript => "javascript",
            Lang::Typescript => "typescript",
            Lang::Tsx => "tsx",
            Lang::Yaml => "yaml",
            Lang::Json => "json",
            Lang::Toml => "toml",
            Lang::Go => "go",
        }
    }

    fn grammar_toml(self) -> &'static str {
        match self {
            Lang::Rust => include_str!("../grammars/rust.toml"),
            Lang::Python => include_str!("../grammars/python.toml"),
            Lang::Javascript => include_str!("../grammars/javascript.toml"),
            Lang::Typescript => include_str!("../grammars/typescript.toml"),
            Lang::Tsx => include_str!("../grammars/tsx.toml"),
            Lang::Yaml => include_str!("../grammars/yaml.toml"),
            Lang::Json => include_str!("../grammars/json.toml"),
            Lang::Toml => include_str!("../grammars/toml.toml"),
            Lang::Go => include_str!("../grammars/go.toml"),
        }
    }

    /// The tree-sitter grammar. Cheap: the grammar tables are static.
    pub fn ts_language(self) -> tree_sitter::Language {
        match self {
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::Javascript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::Typescript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::Yaml => tree_sitter_yaml::LANGUAGE.into(),
            Lang::Json => tree_sitter_json::LANGUAGE.into(),
            Lang::Toml => tree_sitter_toml_ng::LANGUAGE.into(),
            Lang::Go => tree_sitter_go::LANGUAGE.into(),
        }
    }

    /// The language's data from `grammars/`. The files are part of the binary and checked by a
    /// test, so a parse failure here is a build defect, not a user error.
    pub fn data(self) -> &'static LangData {
        static DATA: OnceLock<HashMap<Lang, LangData>> = OnceLock::new();
        let all = DATA.get_or_init(|| {
            Lang::ALL
                .iter()
                .map(|&l| {
                    let data: LangData = toml::from_str(l.grammar_toml())
                        .unwrap_or_else(|e| panic!("grammars/{}.toml is invalid: {e}", l.name()));
                    (l, data)
                })
                .collect()
        });
        &all[&self]
    }

    pub fn from_name(name: &str) -> Option<Lang> {
        Lang::ALL.iter().copied().find(|l| l.name() == name)
    }

    /// The language of a repository-relative path, by file name, then extension.
    pub fn for_path(path: &str) -> Option<Lang> {
        static INDEX: OnceLock<(HashMap<String, Lang>, HashMap<String, Lang>)> = OnceLock::new();
        let (by_name, by_ext) = INDEX.get_or_init(|| {
            let mut by_name = HashMap::new();
            let mut by_ext = HashMap::new();
            for l in Lang::ALL {
                for n in &l.data().filenames {
                    by_name.insert(n.clone(), l);
                }
                for e in &l.data().extensions {
                    by_ext.insert(e.to_ascii_lowercase(), l);
                }
            }
            (by_name, by_ext)
        });
        let file = path.rsplit('/').next().unwrap_or(path);
        if let Some(l) = by_name.get(file) {
            return Some(*l);
        }
        let (_, ext) = file.rsplit_once('.')?;
        by_ext.get(&ext.to_ascii_lowercase()).copied()
    }

    /// A file name that maps to this language, used to run a rule's examples.
    pub fn example_file_name(self) -> String {
        format!("example.{}", self.data().extensions[0])
    }

    /// Whether a line, trimmed, starts with one of the language's comment markers.
    pub fn comment_markers(self) -> Vec<&'static str> {
        let d = self.data();
        let mut m: Vec<&'static str> = d.line_comments.iter().map(String::as_str).collect();
        m.extend(d.block_comments.iter().map(|(open, _)| open.as_str()));
        m
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_loads_its_data_and_grammar() {
        for l in Lang::ALL {
            assert_eq!(
                l.data().name,
                l.name(),
                "grammars/{}.toml names itself",
                l.name()
            );
            let mut p = tree_sitter::Parser::new();
            p.set_language(&l.ts_language())
                .expect("grammar ABI is supported");
            for kind in &l.data().string_kinds {
                assert!(
                    l.ts_language().id_for_node_kind(kind, true) != 0,
                    "{}: string kind {kind} is not a node kind of the grammar",
                    l.name()
                );
            }
            assert_eq!(Lang::for_path(&l.example_file_name()), Some(l));
        }
    }

    #[test]
    fn paths_map_to_languages() {
        assert_eq!(Lang::for_path("src/app/views.py"), Some(Lang::Python));
        assert_eq!(Lang::for_path(".github/workflows/ci.YML"), Some(Lang::Yaml));
        assert_eq!(Lang::for_path("Cargo.lock"), Some(Lang::Toml));
        assert_eq!(Lang::for_path("README"), None);
        assert_eq!(Lang::for_path("notes.txt"), None);
    }
}
