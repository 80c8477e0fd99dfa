//! Embeds the built-in rule packs (`rules/**/*.yaml`) into the binary, so that they are loaded
//! by the same code as a user's rule files.
//!
//! Each file is embedded twice: as written (for `diffward rules test` and the validation of the
//! packs, which read the examples and point errors at YAML lines), and digested to JSON without
//! its examples, which is what a scan reads: parsing 300 rules' YAML cost a scan 20 ms, longer
//! than an empty change takes to scan; their JSON digest parses in a fraction of that.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

/// A rule file as JSON, without the rules' examples. A file that does not parse is digested to
/// nothing: the scan then reads its YAML, and reports the error as for any rule file.
fn digest_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read a rule file");
    let Ok(mut value) = serde_yaml::from_str::<serde_json::Value>(&text) else {
        return String::new();
    };
    if let Some(rules) = value.get_mut("rules").and_then(|r| r.as_array_mut()) {
        for rule in rules {
            if let Some(r) = rule.as_object_mut() {
                r.remove("examples");
            }
        }
    }
    serde_json::to_string(&value).expect("JSON of a parsed file")
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut files = Vec::new();
    collect(&root.join("rules"), &mut files);
    files.sort();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let mut src = String::from("/// Built-in rule files: (path in the repository, text, JSON digest without examples).\npub static BUILTIN_RULE_FILES: &[(&str, &str, &str)] = &[\n");
    for (i, f) in files.iter().enumerate() {
        let rel = f
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        let digest = out_dir.join(format!("rules-{i}.json"));
        std::fs::write(&digest, digest_of(f)).expect("write a rule digest");
        writeln!(
            src,
            "    ({rel:?}, include_str!({:?}), include_str!({:?})),",
            f.display().to_string(),
            digest.display().to_string()
        )
        .expect("write to string");
    }
    src.push_str("];\n");
    std::fs::write(out_dir.join("builtin_rules.rs"), src).expect("write builtin_rules.rs");
    println!("cargo:rerun-if-changed=rules");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
}
