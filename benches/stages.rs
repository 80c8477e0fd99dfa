//! One bench per stage of the engine, so a regression shows where it is: loading the rules,
//! the literal prefilter, building a language's combined query, parsing, matching (one walk of
//! the combined query), the diff semantics, and rendering the report. The inputs are real
//! files: the largest Python, TypeScript/JavaScript and Rust file (at most 256 KiB) of the
//! downloaded corpus (`benches/corpus`, from `benches/whole-program.sh`) when present, else of
//! this repository.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use diffward::engine::stages;
use diffward::engine::text::SideText;
use diffward::engine::{Engine, ScanOptions};
use diffward::lang::Lang;
use diffward::rules::{RuleSelection, RuleSet};

/// The largest file of each language under `dir` (at most 256 KiB).
fn samples(dir: &Path) -> Vec<(Lang, String, String)> {
    let mut best: Vec<(Lang, u64, PathBuf)> = Vec::new();
    for e in ignore::WalkBuilder::new(dir).build().filter_map(Result::ok) {
        let p = e.path();
        let Some(lang) = Lang::for_path(&p.to_string_lossy()) else {
            continue;
        };
        if !matches!(
            lang,
            Lang::Python | Lang::Typescript | Lang::Javascript | Lang::Rust
        ) {
            continue;
        }
        let len = e.metadata().map(|m| m.len()).unwrap_or(0);
        if len > 256 << 10 {
            continue;
        }
        match best.iter_mut().find(|(l, _, _)| *l == lang) {
            Some(b) if b.1 < len => *b = (lang, len, p.to_path_buf()),
            Some(_) => {}
            None => best.push((lang, len, p.to_path_buf())),
        }
    }
    best.sort_by_key(|b| b.0.name());
    best.into_iter()
        .filter_map(|(lang, _, p)| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((lang, p.to_string_lossy().into_owned(), text))
        })
        .collect()
}

fn scan_rules() -> RuleSet {
    RuleSet::load(&RuleSelection {
        builtin: true,
        ..Default::default()
    })
    .expect("built-in rules")
}

fn bench(c: &mut Criterion) {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = manifest.join("benches/corpus/src");
    let files = samples(if corpus.is_dir() { &corpus } else { manifest });
    let rules = scan_rules();
    let engine = Engine::new(&rules, ScanOptions::default());

    let mut modified = Vec::new();
    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    g.bench_function("rules: load the built-in packs", |b| b.iter(scan_rules));
    for (lang, path, text) in &files {
        let name = lang.name();
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("prefilter: {name}"), |b| {
            b.iter(|| stages::prefilter(&engine, path, text))
        });
        let queries = stages::query_rules(&rules, *lang);
        g.bench_function(
            format!("query build: {name} ({} rules)", queries.len()),
            |b| b.iter(|| stages::build_query(&rules, &queries, *lang)),
        );
        g.bench_function(format!("parse: {name}"), |b| {
            b.iter(|| stages::parse(*lang, text))
        });
        let tree = stages::parse(*lang, text).expect("the sample parses");
        let side = SideText::new(text.clone());
        // Warm the combined query: the walk is measured, not the build.
        stages::match_queries(&rules, &queries, *lang, &tree, &side);
        g.bench_function(format!("match: {name}, one walk"), |b| {
            b.iter(|| stages::match_queries(&rules, &queries, *lang, &tree, &side))
        });
        // A modified file: a risky line added in the middle.
        let mid = text[..text.len() / 2].rfind('\n').map_or(0, |i| i + 1);
        let new = format!(
            "{}password = \"hunter2-Xq7vLp9sZt\"\nrequests.get(url, verify=False)\n{}",
            &text[..mid],
            &text[mid..]
        );
        let matched = stages::matched(&engine, path, text, &new);
        modified.push((path.clone(), new.clone()));
        g.bench_function(format!("semantics: {name}"), |b| {
            b.iter(|| stages::semantics(&rules, path, &matched))
        });
    }
    g.finish();

    // The report: every format, over the findings of a whole-file scan of the modified samples.
    let change = diffward::source::ChangeSet {
        root: PathBuf::from("."),
        kind: diffward::source::ChangeKind::Paths,
        files: modified
            .iter()
            .map(|(p, t)| diffward::source::FileChange {
                path: p.clone(),
                old_path: None,
                old: diffward::source::Content::Absent,
                new: diffward::source::Content::Bytes(t.clone().into_bytes()),
                hunks: None,
            })
            .collect(),
        notifications: Vec::new(),
        repo: None,
        context: Vec::new(),
    };
    let out = diffward::engine::scan(&change, &rules, ScanOptions::default());
    let report = diffward::report::Report {
        findings: &out.findings,
        suppressed: &out.suppressed,
        include_suppressed: false,
        baseline: None,
        notifications: &out.notifications,
        rules: &rules,
        stats: &out.stats,
        repo: None,
        root: Path::new("."),
    };
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    for format in [
        diffward::report::Format::Human,
        diffward::report::Format::Json,
        diffward::report::Format::Sarif,
        diffward::report::Format::Github,
    ] {
        let style = diffward::report::Style {
            color: false,
            width: 100,
        };
        g.bench_function(
            format!("{format:?} ({} findings)", out.findings.len()),
            |b| {
                b.iter_batched(
                    || (),
                    |_| diffward::report::render(format, &report, style),
                    BatchSize::SmallInput,
                )
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
