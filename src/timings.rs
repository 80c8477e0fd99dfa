//! Where a scan's time goes, by stage and by rule: `diffward scan --timings` prints it, so a
//! slow scan (or a slow rule a user wrote) can be told apart from a slow machine.
//!
//! Off by default, and then nearly free: every probe is one relaxed atomic load. When on, a
//! stage's time is summed over the worker threads (so parallel stages can add up to more than
//! the wall time), and each rule's match time is kept by rule index.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The stages of a scan, in the order the data flows through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and compiling the rule files.
    Rules,
    /// Asking git (or the file system) what changed and reading the blobs.
    Change,
    /// Decoding each side's text and diffing its lines.
    Read,
    /// The literal pass that decides which rules a text needs.
    Prefilter,
    /// Building tree-sitter queries (on first use of a rule in a language).
    QueryBuild,
    /// Tree-sitter parsing.
    Parse,
    /// Running the rules' queries and regexes on a side.
    Match,
    /// Analyzers: a structured file's facts, and the change-wide fact rules.
    Facts,
    /// Candidates, the multiset semantics, the change-wide policies.
    Semantics,
    /// The pre-push and range history checks (secrets added and removed within the range).
    History,
    /// Rendering and writing the report.
    Report,
}

const STAGES: [Stage; 11] = [
    Stage::Rules,
    Stage::Change,
    Stage::Read,
    Stage::Prefilter,
    Stage::QueryBuild,
    Stage::Parse,
    Stage::Match,
    Stage::Facts,
    Stage::Semantics,
    Stage::History,
    Stage::Report,
];

static ON: AtomicBool = AtomicBool::new(false);
static STAGE_NS: [AtomicU64; 11] = [const { AtomicU64::new(0) }; 11];
static STAGE_CALLS: [AtomicU64; 11] = [const { AtomicU64::new(0) }; 11];
/// Per rule id: (nanoseconds, sides matched).
static RULE_NS: Mutex<Vec<(String, u64, u64)>> = Mutex::new(Vec::new());

/// Per file: (path, bytes read, nanoseconds in the engine), summed over the engine's passes.
static FILE_NS: Mutex<Option<std::collections::HashMap<String, (u64, u64)>>> = Mutex::new(None);

/// Start recording.
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The start of a measured span, when recording.
pub fn start() -> Option<Instant> {
    enabled().then(Instant::now)
}

fn index(stage: Stage) -> usize {
    STAGES.iter().position(|s| *s == stage).unwrap_or(0)
}

/// Add the time since `since` to a stage.
pub fn add(stage: Stage, since: Option<Instant>) {
    if let Some(t) = since {
        let i = index(stage);
        STAGE_NS[i].fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        STAGE_CALLS[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// Time `f` as part of `stage`.
pub fn time<T>(stage: Stage, f: impl FnOnce() -> T) -> T {
    let t = start();
    let out = f();
    add(stage, t);
    out
}

/// Add the time since `since` to rule `id`'s match time.
pub fn add_rule(id: &str, since: Option<Instant>) {
    let Some(t) = since else { return };
    let ns = t.elapsed().as_nanos() as u64;
    let m = index(Stage::Match);
    STAGE_NS[m].fetch_add(ns, Ordering::Relaxed);
    STAGE_CALLS[m].fetch_add(1, Ordering::Relaxed);
    let Ok(mut rules) = RULE_NS.lock() else {
        return;
    };
    match rules.iter_mut().find(|(r, _, _)| r == id) {
        Some(entry) => {
            entry.1 += ns;
            entry.2 += 1;
        }
        None => rules.push((id.to_string(), ns, 1)),
    }
}

/// Query builds: (what was built, nanoseconds).
static BUILDS: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());

/// Add the time since `since` to the query builds, as `label()`.
pub fn add_build(label: impl FnOnce() -> String, since: Option<Instant>) {
    let Some(t) = since else { return };
    let ns = t.elapsed().as_nanos() as u64;
    let i = index(Stage::QueryBuild);
    STAGE_NS[i].fetch_add(ns, Ordering::Relaxed);
    STAGE_CALLS[i].fetch_add(1, Ordering::Relaxed);
    if let Ok(mut builds) = BUILDS.lock() {
        builds.push((label(), ns));
    }
}

/// Add the time since `since` to file `path`'s engine time.
pub fn add_file(path: &str, bytes: u64, since: Option<Instant>) {
    let Some(t) = since else { return };
    if let Ok(mut files) = FILE_NS.lock() {
        let e = files
            .get_or_insert_with(Default::default)
            .entry(path.to_string())
            .or_default();
        e.0 = e.0.max(bytes);
        e.1 += t.elapsed().as_nanos() as u64;
    }
}

/// The table `--timings` prints: each stage's summed time and calls, then the slowest rules.
pub fn report(wall: std::time::Duration) -> String {
    let ms = |ns: u64| ns as f64 / 1e6;
    let mut out = format!(
        "timings (ms; stages run in parallel add up over threads) · wall {:.1}\n",
        wall.as_secs_f64() * 1e3
    );
    for (i, s) in STAGES.iter().enumerate() {
        let ns = STAGE_NS[i].load(Ordering::Relaxed);
        let calls = STAGE_CALLS[i].load(Ordering::Relaxed);
        if calls > 0 {
            out.push_str(&format!(
                "  {:<11} {:>9.1}  ({calls} calls)\n",
                format!("{s:?}").to_lowercase(),
                ms(ns)
            ));
        }
    }
    if let Ok(mut rules) = RULE_NS.lock() {
        rules.sort_by_key(|r| std::cmp::Reverse(r.1));
        if !rules.is_empty() {
            out.push_str("  slowest rules (match time, sides):\n");
        }
        for (id, ns, n) in rules.iter().take(15) {
            out.push_str(&format!("    {:>9.1}  {n:>6}  {id}\n", ms(*ns)));
        }
    }
    if let Ok(builds) = BUILDS.lock() {
        if !builds.is_empty() {
            out.push_str("  combined queries built:\n");
        }
        for (label, ns) in builds.iter() {
            out.push_str(&format!("    {:>9.1}  {label}\n", ms(*ns)));
        }
    }
    if let Ok(files) = FILE_NS.lock() {
        let mut files: Vec<(&String, u64, u64)> = files
            .iter()
            .flatten()
            .map(|(p, &(b, ns))| (p, b, ns))
            .collect();
        files.sort_by_key(|f| std::cmp::Reverse(f.2));
        if !files.is_empty() {
            out.push_str("  slowest files (engine time, KiB):\n");
        }
        for (path, bytes, ns) in files.iter().take(10) {
            out.push_str(&format!(
                "    {:>9.1}  {:>6}  {path}\n",
                ms(*ns),
                bytes / 1024
            ));
        }
    }
    out
}
