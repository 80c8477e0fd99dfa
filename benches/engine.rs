//! Engine throughput on real files, with the built-in rules: a whole-file scan (every line
//! added) and a pull-request-sized change. Uses the downloaded corpus (`benches/corpus`, from
//! `benches/whole-program.sh`) when present, else this repository's own sources.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use diffward::engine::{scan, ScanOptions};
use diffward::rules::RuleSet;
use diffward::source::{ChangeKind, ChangeSet, Content, FileChange};

/// Up to `budget` bytes of text files under `dir`, sorted by path.
fn collect(dir: &Path, budget: usize) -> Vec<(String, Vec<u8>)> {
    let mut paths: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    let mut out = Vec::new();
    let mut total = 0;
    for p in paths {
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        if bytes.len() > 1 << 20 || bytes.contains(&0) {
            continue;
        }
        total += bytes.len();
        let rel = p
            .strip_prefix(dir)
            .unwrap_or(&p)
            .to_string_lossy()
            .into_owned();
        out.push((rel, bytes));
        if total >= budget {
            break;
        }
    }
    out
}

fn changeset(files: Vec<FileChange>) -> ChangeSet {
    ChangeSet {
        root: PathBuf::from("."),
        kind: ChangeKind::Paths,
        files,
        notifications: Vec::new(),
        repo: None,
        context: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = manifest.join("benches/corpus/src");
    let files = if corpus.is_dir() {
        collect(&corpus, 24 << 20)
    } else {
        collect(manifest, 8 << 20)
    };
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    let rules = RuleSet::builtin().expect("built-in rules");

    let whole = changeset(
        files
            .iter()
            .map(|(p, b)| FileChange {
                path: p.clone(),
                old_path: None,
                old: Content::Absent,
                new: Content::Bytes(b.clone()),
                hunks: None,
            })
            .collect(),
    );
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("whole-file scan", |b| {
        b.iter(|| scan(&whole, &rules, ScanOptions::default()))
    });

    // 50 modified files: each gains one line, so both sides are read, diffed and matched.
    let modified: Vec<FileChange> = files
        .iter()
        .filter(|(p, _)| {
            p.ends_with(".py") || p.ends_with(".js") || p.ends_with(".rs") || p.ends_with(".ts")
        })
        .take(50)
        .map(|(p, b)| {
            let mut new = b.clone();
            new.extend_from_slice(b"\nr = requests.get(url, verify=False)\n");
            FileChange {
                path: p.clone(),
                old_path: None,
                old: Content::Bytes(b.clone()),
                new: Content::Bytes(new),
                hunks: None,
            }
        })
        .collect();
    let pr_bytes: usize = modified
        .iter()
        .map(|f| match &f.new {
            Content::Bytes(b) => b.len(),
            _ => 0,
        })
        .sum();
    let pr = changeset(modified);
    g.throughput(Throughput::Bytes(pr_bytes as u64));
    g.bench_function("50-file change", |b| {
        b.iter(|| scan(&pr, &rules, ScanOptions::default()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
