//! The scan engine: files in parallel, rules dispatched by language and path, a literal
//! prefilter before any parsing, each side of a file parsed at most once, then the diff
//! semantics applied across the whole change.
//!
//! The engine reads a `ChangeSet` and returns plain `Finding`s; it never prints.
//!
//! How a change flows through it, and where the time goes (`--timings` shows each stage):
//! 1. **Concern** (`concern`, changes with an old side only): the literal prefilter over the
//!    lines near each changed line says which `added`/`removed` rules the change can concern;
//!    the others are left out of the whole scan. Most queries of a small change are then never
//!    built, most old sides never parsed.
//! 2. **Plans** (`rules::plan`): per language, one tree-sitter query holding the patterns of
//!    every rule the scan may run there, built on first use. Building a query costs
//!    milliseconds per pattern on a large grammar (the biggest fixed cost of a small scan);
//!    one combined query walks each tree once for all its rules.
//! 3. **Per file**, in parallel: read both sides; select each side's rules (prefilter,
//!    `requires`); parse the old side, then the new side incrementally from the old tree edited
//!    by the hunks (`reparse`); match: regexes over the text, the combined query over the tree,
//!    within the changed regions only for `added`/`removed` rules (`regions`).
//! 4. **Semantics** (`semantics`, `counting`, `facts`): candidates with line-free
//!    fingerprints, the multiset over the whole change, the change-wide policies.

mod compare;
mod concern;
mod counting;
mod facts;
mod generated;
pub mod matcher;
pub mod placeholder;
pub mod policy;
mod regions;
mod reparse;
mod semantics;
mod snippet;
#[doc(hidden)]
pub mod stages;
pub mod text;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rayon::prelude::*;

use crate::finding::{Finding, Notification};
use crate::lang::Lang;
use crate::rules::{DiffMode, Matcher, RuleSet};
use crate::source::linediff::{diff_lines, LineChanges};
use crate::source::{ChangeSet, FileChange};
use crate::timings::{self, Stage};
use matcher::RawMatch;
pub use policy::{is_test_path, mask_every_occurrence, TestPathPolicy};
pub use semantics::hex16;
use semantics::Candidate;
use text::{load, LoadError, SideText};

/// Knobs of one scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files larger than this many bytes are skipped with a notification.
    pub max_file_size: u64,
    /// A match whose secret (or, without one, whose text) matches one of these is dropped:
    /// the project's allowlist from `diffward.toml`.
    pub allow_regexes: Vec<regex::Regex>,
    /// What to do with secrets found in test paths (tests/, fixtures/, *_test.*, *.spec.*).
    pub secrets_in_tests: TestPathPolicy,
    /// The same for findings of the other packs but `checks` (which is about tests).
    pub findings_in_tests: TestPathPolicy,
    /// Run only the rules of these categories (`None`: every rule of the set).
    pub only_categories: Option<Vec<crate::finding::Category>>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: 2 * 1024 * 1024,
            allow_regexes: Vec::new(),
            secrets_in_tests: TestPathPolicy::default(),
            findings_in_tests: TestPathPolicy::Skip,
            only_categories: None,
        }
    }
}

/// Counts for the summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ScanStats {
    /// Files whose text was read (any side).
    pub files_scanned: usize,
    pub bytes_scanned: u64,
    pub added_lines: u64,
    /// Findings left out because an inline allow comment covers them.
    pub allowed_by_comment: usize,
    #[serde(skip)]
    pub elapsed: Duration,
}

/// What a scan found.
#[derive(Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    /// Findings an allow comment covers, with their `suppression` (not reported unless asked).
    pub suppressed: Vec<Finding>,
    /// Digests of every secret any rule found in either side of any file.
    pub secret_digests: std::collections::HashSet<String>,
    pub notifications: Vec<Notification>,
    pub stats: ScanStats,
}

impl ScanOutput {
    /// Add another scan's results (several pushed branches), keeping one copy of a finding
    /// that two ranges share.
    pub fn merge(&mut self, other: ScanOutput) {
        self.findings.extend(other.findings);
        self.secret_digests.extend(other.secret_digests);
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
        self.suppressed.extend(other.suppressed);
        self.suppressed
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.suppressed
            .dedup_by(|a, b| a.sort_key() == b.sort_key());
        self.notifications.extend(other.notifications);
        self.notifications.sort();
        self.notifications.dedup();
        self.stats.files_scanned += other.stats.files_scanned;
        self.stats.bytes_scanned += other.stats.bytes_scanned;
        self.stats.added_lines += other.stats.added_lines;
        self.stats.allowed_by_comment += other.stats.allowed_by_comment;
    }
}

/// Rules indexed for dispatch, built once per scan.
pub struct Engine<'r> {
    rules: &'r RuleSet,
    /// Case-insensitive and case-sensitive literal matchers, one pass each over a text.
    literals: Literals,
    /// For each rule, its prefilter as literal ids: any alternative whose groups all hit.
    rule_literals: Vec<Option<Vec<Vec<Vec<usize>>>>>,
    opts: ScanOptions,
}

/// All the prefilter literals of a rule set, numbered: insensitive ones first.
struct Literals {
    insensitive: Vec<String>,
    sensitive: Vec<String>,
    /// Built on first use: a scan of an empty change never needs them.
    automata: OnceLock<(Option<AhoCorasick>, Option<AhoCorasick>)>,
    /// Whether the texts to filter are large enough to pay for a DFA (see `automaton`).
    large_input: std::sync::atomic::AtomicBool,
}

impl Literals {
    fn id(&mut self, lit: &str, case_sensitive: bool) -> usize {
        let (list, offset) = if case_sensitive {
            (&mut self.sensitive, usize::MAX / 2)
        } else {
            (&mut self.insensitive, 0)
        };
        let key = if case_sensitive {
            lit.to_string()
        } else {
            lit.to_ascii_lowercase()
        };
        let i = list.iter().position(|l| *l == key).unwrap_or_else(|| {
            list.push(key);
            list.len() - 1
        });
        offset + i
    }

    fn automata(&self) -> &(Option<AhoCorasick>, Option<AhoCorasick>) {
        self.automata.get_or_init(|| {
            (
                Self::automaton(&self.insensitive, true, self.large()),
                Self::automaton(&self.sensitive, false, self.large()),
            )
        })
    }

    fn large(&self) -> bool {
        self.large_input.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn automaton(pats: &[String], insensitive: bool, large: bool) -> Option<AhoCorasick> {
        if pats.is_empty() {
            return None;
        }
        // The built-in literals make a DFA in about 6 ms that reads 250 MB/s, or a contiguous
        // NFA in under 2 ms that reads 85 MB/s: the DFA pays for itself from about a megabyte
        // of text on, so a small change gets the NFA.
        let kind = if large {
            AhoCorasickKind::DFA
        } else {
            AhoCorasickKind::ContiguousNFA
        };
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(insensitive)
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .build(pats)
            .ok()
    }

    /// Where the literals `ids` occur in `text`: byte ranges, merged when less than `gap` bytes
    /// apart.
    fn occurrences(
        &self,
        ids: &std::collections::HashSet<usize>,
        text: &str,
        gap: usize,
    ) -> Vec<(usize, usize)> {
        let (insensitive_ac, sensitive_ac) = self.automata();
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for (ac, offset) in [(insensitive_ac, 0), (sensitive_ac, usize::MAX / 2)] {
            let Some(ac) = ac else { continue };
            for m in ac.find_overlapping_iter(text) {
                if ids.contains(&(offset + m.pattern().as_usize())) {
                    hits.push((m.start(), m.end()));
                }
            }
        }
        hits.sort_unstable();
        let mut out: Vec<(usize, usize)> = Vec::new();
        for (s, e) in hits {
            match out.last_mut() {
                Some(last) if s <= last.1 + gap => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
        out
    }

    /// Which literals occur in `text`, as a predicate on literal ids.
    fn present(&self, text: &str) -> impl Fn(usize) -> bool {
        let scan = |ac: &Option<AhoCorasick>, n: usize| {
            let mut seen = vec![false; n];
            if let Some(ac) = ac {
                for m in ac.find_overlapping_iter(text) {
                    seen[m.pattern().as_usize()] = true;
                }
            }
            seen
        };
        let (insensitive_ac, sensitive_ac) = self.automata();
        let ins = scan(insensitive_ac, self.insensitive.len());
        let sen = scan(sensitive_ac, self.sensitive.len());
        move |id| {
            if id >= usize::MAX / 2 {
                sen.get(id - usize::MAX / 2).copied().unwrap_or(false)
            } else {
                ins.get(id).copied().unwrap_or(false)
            }
        }
    }
}

/// Per language, the rules of its combined query in one scan (`Engine::plans`).
pub struct Plans(Vec<(Lang, Vec<usize>)>);

impl Plans {
    fn members(&self, lang: Lang) -> &[usize] {
        self.0
            .iter()
            .find(|(l, _)| *l == lang)
            .map_or(&[], |(_, m)| m.as_slice())
    }
}

/// A file read and its rules selected (`Engine::prepare`), waiting for the scan's queries.
struct Prepared<'f> {
    index: usize,
    f: &'f FileChange,
    lang: Option<Lang>,
    res: FileResult,
    old: Option<SideText>,
    new: Option<SideText>,
    changes: LineChanges,
    old_sel: Option<Selected>,
    new_sel: Option<Selected>,
    fact_rules: Vec<usize>,
    kind: Option<crate::analyzers::FileKind>,
}

/// A file after `Engine::prepare`: scanned already (nothing to parse), or waiting.
enum Step<'f> {
    Done(Box<FileResult>),
    Pending(Box<Prepared<'f>>),
}

/// A file's two sides as read, the notes reading them left, and their line changes (`None`
/// when a side that exists could not be read).
pub(super) struct ReadFile {
    new: Option<SideText>,
    old: Option<SideText>,
    notes: Vec<Notification>,
    changes: Option<LineChanges>,
}

/// A side's rules after its prefilter: (regex rules, query rules).
struct Selected {
    regexes: Vec<usize>,
    queries: Vec<usize>,
}

/// The result of scanning one file.
struct FileResult {
    candidates: Vec<Candidate>,
    /// The value of every secret any rule matched in either side.
    secret_values: Vec<String>,
    /// A structured file's facts, for the change-wide step of the fact rules.
    facts: Option<facts::FileFacts>,
    notifications: Vec<Notification>,
    stats: ScanStats,
    /// A tool wrote the file (see `generated`).
    generated: Option<String>,
}

impl<'r> Engine<'r> {
    pub fn new(rules: &'r RuleSet, opts: ScanOptions) -> Self {
        let mut literals = Literals {
            insensitive: Vec::new(),
            sensitive: Vec::new(),
            automata: OnceLock::new(),
            large_input: std::sync::atomic::AtomicBool::new(true),
        };
        let rule_literals = rules
            .rules
            .iter()
            .map(|r| {
                r.prefilter.as_ref().map(|p| {
                    p.alternatives
                        .iter()
                        .map(|groups| {
                            groups
                                .iter()
                                .map(|g| {
                                    g.iter().map(|l| literals.id(l, p.case_sensitive)).collect()
                                })
                                .collect()
                        })
                        .collect()
                })
            })
            .collect();
        Engine {
            rules,
            literals,
            rule_literals,
            opts,
        }
    }

    /// Scan a change.
    pub fn scan(&self, changes: &ChangeSet) -> ScanOutput {
        let started = Instant::now();
        // Without any old text (a plain scan, only added files) nothing can have been removed,
        // so `removed` rules need not run at all.
        let any_old = changes.files.iter().any(|f| !f.old.is_absent());
        // Bytes the literal pass will read, roughly (a file on disk counted as 16 KiB).
        let size = |c: &crate::source::Content| match c {
            crate::source::Content::Bytes(b) => b.len(),
            crate::source::Content::Disk(_) => 16 * 1024,
            crate::source::Content::Absent => 0,
        };
        let input: usize = changes
            .files
            .iter()
            .map(|f| size(&f.new) + size(&f.old))
            .sum();
        self.literals
            .large_input
            .store(input > 1024 * 1024, std::sync::atomic::Ordering::Relaxed);
        // With an old side, first decide which rules the changed lines concern at all (see
        // `concern`); a plain scan's every line is added, so there is nothing to decide.
        let clock = timings::start();
        let (hot, known): (Option<Vec<bool>>, Vec<Option<ReadFile>>) = if any_old {
            let concerns: Vec<concern::Concern> =
                changes.files.par_iter().map(|f| self.concern(f)).collect();
            let mut hot = vec![false; self.rules.rules.len()];
            for c in &concerns {
                for &r in &c.rules {
                    hot[r] = true;
                }
            }
            (Some(hot), concerns.into_iter().map(|c| c.read).collect())
        } else {
            (None, changes.files.iter().map(|_| None).collect())
        };
        timings::add(Stage::Prefilter, clock);
        // Every file read and its rules selected first: the query rules some file needs are
        // then known, and each language's query is built once for exactly those (building is
        // the costly part of a query).
        let steps: Vec<Step> = changes
            .files
            .par_iter()
            .zip(known.into_par_iter())
            .enumerate()
            .map(|(i, (f, known))| {
                let clock = timings::start();
                let step = self.prepare(i, f, any_old, hot.as_deref(), known);
                timings::add_file(&f.path, 0, clock);
                step
            })
            .collect();
        // Per language, the query rules its files need.
        let mut needed: Vec<(Lang, Vec<bool>)> = Vec::new();
        for s in &steps {
            let Step::Pending(p) = s else { continue };
            let Some(lang) = p.lang else { continue };
            let at = match needed.iter().position(|(l, _)| *l == lang) {
                Some(i) => i,
                None => {
                    needed.push((lang, vec![false; self.rules.rules.len()]));
                    needed.len() - 1
                }
            };
            for sel in [&p.old_sel, &p.new_sel].into_iter().flatten() {
                for &r in &sel.queries {
                    needed[at].1[r] = true;
                }
            }
        }
        let plans = self.plans_of(&needed);
        // The languages' queries are built side by side, the files wait for theirs.
        plans.0.par_iter().for_each(|(l, m)| {
            if !m.is_empty() {
                self.rules.plan(*l, m);
            }
        });
        let results: Vec<FileResult> = steps
            .into_par_iter()
            .map(|s| match s {
                Step::Done(r) => *r,
                Step::Pending(p) => {
                    let clock = timings::start();
                    let path = p.f.path.clone();
                    let r = self.finish(*p, &plans);
                    timings::add_file(&path, r.stats.bytes_scanned, clock);
                    r
                }
            })
            .collect();
        let mut candidates = Vec::new();
        let mut file_facts = Vec::new();
        let mut notifications = changes.notifications.clone();
        let mut stats = ScanStats::default();
        let mut secret_values = Vec::new();
        let mut generated = std::collections::HashSet::new();
        for r in results {
            generated.extend(r.generated);
            candidates.extend(r.candidates);
            file_facts.extend(r.facts);
            secret_values.extend(r.secret_values);
            notifications.extend(r.notifications);
            stats.files_scanned += r.stats.files_scanned;
            stats.bytes_scanned += r.stats.bytes_scanned;
            stats.added_lines += r.stats.added_lines;
        }
        let fact_rules: Vec<usize> = self
            .rules
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r.matcher, Matcher::Fact(_)) && self.selected(r))
            .map(|(i, _)| i)
            .collect();
        // The JSON and YAML files whose content is infrastructure code (a policy, a template, a
        // manifest), and every Terraform and compose file.
        let infrastructure: std::collections::HashSet<String> = file_facts
            .iter()
            .filter(|ff| ff.kind.role() == crate::analyzers::Role::Infra && !ff.deltas.is_empty())
            .map(|ff| ff.path.clone())
            .collect();
        if !file_facts.is_empty() && !fact_rules.is_empty() {
            // Lockfiles the change left alone, read for what they resolve.
            let context: Vec<facts::FileFacts> = changes
                .context
                .par_iter()
                .filter_map(|c| {
                    let limit = crate::analyzers::FileKind::of(&c.path)?.size_limit();
                    let t = load(&c.new, limit).ok()??;
                    facts::context(c, &t.text)
                })
                .collect();
            file_facts.extend(context);
            let clock = timings::start();
            candidates.extend(facts::candidates(
                self.rules,
                &fact_rules,
                file_facts,
                changes,
            ));
            timings::add(Stage::Facts, clock);
        }
        let clock = timings::start();
        let paths: Vec<&str> = changes.files.iter().map(|f| f.path.as_str()).collect();
        let (mut findings, mut suppressed) = semantics::resolve(self.rules, candidates, &paths);
        // What a generator wrote is not the change's weakening of the checks.
        if !generated.is_empty() {
            findings.retain(|f| {
                f.category != crate::finding::Category::Checks || !generated.contains(&f.path)
            });
        }
        // A scan of plain files has no change that could have added anything: the rules that
        // report what a change added to the code around it (an allow comment) stay quiet.
        if changes.kind == crate::source::ChangeKind::Paths {
            let change_only = |f: &Finding| {
                self.rules
                    .get(&f.rule_id)
                    .is_some_and(|r| r.tags.iter().any(|t| t == "change-only"))
            };
            findings.retain(|f| !change_only(f));
        }
        stats.allowed_by_comment = suppressed.len();
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        suppressed.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let tagged = |tag: &str| -> std::collections::HashSet<&str> {
            self.rules
                .rules
                .iter()
                .filter(|r| r.tags.iter().any(|t| t == tag))
                .map(|r| r.id.as_str())
                .collect()
        };
        policy::no_identifier_notes_in_infrastructure(
            &mut findings,
            &tagged("identifier"),
            &infrastructure,
        );
        policy::one_finding_per_secret(&mut findings, &tagged("generic"));
        policy::fold_per_file(&mut findings, &tagged("fold"));
        let secret_digests = secret_values.iter().map(|v| semantics::digest(v)).collect();
        policy::mask_every_occurrence(&mut suppressed, secret_values.clone());
        policy::mask_every_occurrence(&mut findings, secret_values);
        policy::apply_test_path_policy(&self.opts, &mut findings);
        policy::apply_test_path_policy(&self.opts, &mut suppressed);
        notifications.sort();
        notifications.dedup();
        timings::add(Stage::Semantics, clock);
        stats.elapsed = started.elapsed();
        ScanOutput {
            findings,
            suppressed,
            secret_digests,
            notifications,
            stats,
        }
    }

    /// The value of every secret these rules find in the named files of a change (both sides):
    /// for masking a report whose own rule selection left some secret rules out.
    ///
    /// `shown` holds, per path, the 1-based line ranges the report shows. Regex rules read the
    /// whole side; syntax rules (a parse each) read only the lines near what is shown, the rest
    /// blanked: a value that appears nowhere near a shown line cannot reach the report, and a
    /// report of a few lines of a workflow should not cost a parse of every file it names.
    pub fn secret_values_in(
        &self,
        changes: &ChangeSet,
        shown: &std::collections::HashMap<&str, Vec<(u64, u64)>>,
    ) -> Vec<String> {
        /// Lines around a shown line that syntax rules still see (a key and its value may be on
        /// neighbouring lines).
        const MARGIN: u64 = 4;
        let plans = self.every_plan();
        changes
            .files
            .par_iter()
            .filter_map(|f| Some((f, shown.get(f.path.as_str())?)))
            .flat_map_iter(|(f, ranges)| {
                let lang = Lang::for_path(&f.path);
                let rules = self.rules_for(lang, &f.path, f.old_path.as_deref());
                let (queries, regexes): (Vec<usize>, Vec<usize>) = rules
                    .iter()
                    .partition(|&&r| matches!(self.rules.rules[r].matcher, Matcher::Query(_)));
                let mut notes = Vec::new();
                let mut values = Vec::new();
                for side in [&f.new, &f.old] {
                    if let Ok(Some(l)) = load(side, self.opts.max_file_size) {
                        let (matches, _) = self
                            .run_side(lang, &l.text, &regexes, &plans, None, &mut notes, &f.path);
                        values.extend(self.credential_values(&matches, &l.text));
                        if queries.is_empty() {
                            continue;
                        }
                        let near: String = l
                            .text
                            .text
                            .split_inclusive('\n')
                            .enumerate()
                            .map(|(i, line)| {
                                let n = i as u64 + 1;
                                let keep = ranges
                                    .iter()
                                    .any(|(a, b)| n + MARGIN >= *a && n <= b + MARGIN);
                                if keep {
                                    line
                                } else if line.ends_with('\n') {
                                    "\n"
                                } else {
                                    ""
                                }
                            })
                            .collect();
                        let near = SideText::new(near);
                        let (matches, _) =
                            self.run_side(lang, &near, &queries, &plans, None, &mut notes, &f.path);
                        values.extend(self.credential_values(&matches, &near));
                    }
                }
                values
            })
            .collect()
    }

    /// The values of the credentials among `matches`, to be masked wherever they appear. An
    /// identifier (a bucket or account name, tag `identifier`) is masked where it was found, but
    /// not hunted through the report: a bucket called `skaffold` must not mask the word.
    fn credential_values(&self, matches: &[RawMatch], text: &SideText) -> Vec<String> {
        matches
            .iter()
            .filter(|m| {
                !self.rules.rules[m.rule]
                    .tags
                    .iter()
                    .any(|t| t == "identifier")
            })
            .filter_map(|m| m.secret)
            .map(|(a, b)| text.text[a..b].to_string())
            .collect()
    }

    /// Every selected query rule of every language: for the scans that run rules without a
    /// first pass to say which they need (masking a report's secrets, the stage benches).
    fn every_plan(&self) -> Plans {
        let selected: Vec<bool> = self.rules.rules.iter().map(|r| self.selected(r)).collect();
        self.plans_of(&Lang::ALL.map(|l| (l, selected.clone())))
    }

    /// Per language, the query rules its files need (`needed`, indexed by rule) that apply to
    /// it.
    fn plans_of(&self, needed: &[(Lang, Vec<bool>)]) -> Plans {
        Plans(
            needed
                .iter()
                .map(|(lang, rules)| {
                    let members = (0..rules.len())
                        .filter(|&i| {
                            rules[i]
                                && matches!(&self.rules.rules[i].matcher, Matcher::Query(q) if q.supports(*lang))
                        })
                        .collect();
                    (*lang, members)
                })
                .collect(),
        )
    }

    /// Whether the scan's category selection keeps a rule.
    fn selected(&self, r: &crate::rules::Rule) -> bool {
        self.opts
            .only_categories
            .as_ref()
            .is_none_or(|c| c.contains(&r.category))
    }

    /// Rules that apply to this file, by language and path.
    fn rules_for(&self, lang: Option<Lang>, path: &str, old_path: Option<&str>) -> Vec<usize> {
        // Fact rules read only the files an analyzer knows (manifests, lockfiles).
        let structured = crate::analyzers::FileKind::of(path).is_some();
        self.rules
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.applies_to_lang(lang)
                    && (structured || !matches!(r.matcher, Matcher::Fact(_)))
                    && self.selected(r)
                    && (r.paths.allows(path) || old_path.is_some_and(|p| r.paths.allows(p)))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Where the literals of the query rules `rules` occur in `text` (`None` when one of them has
    /// no literals): a walk of their query limited to these ranges finds every match, since each
    /// match holds a literal of its rule (see `rules::query::derive_prefilter`, and `keywords`
    /// in the README).
    fn literal_ranges(&self, rules: &[usize], text: &str) -> Option<Vec<(usize, usize)>> {
        let mut ids = std::collections::HashSet::new();
        for &r in rules {
            let alts = self.rule_literals[r].as_ref()?;
            ids.extend(alts.iter().flatten().flatten().copied());
        }
        // Close occurrences share one walk: a walk costs a descent from the root.
        Some(self.literals.occurrences(&ids, text, 512))
    }

    /// The subset of `rules` whose prefilter literals occur in `text`.
    fn prefilter(&self, rules: &[usize], text: &str) -> Vec<usize> {
        if rules.iter().all(|&r| self.rule_literals[r].is_none()) {
            return rules.to_vec();
        }
        let present = self.literals.present(text);
        rules
            .iter()
            .copied()
            .filter(|&r| match &self.rule_literals[r] {
                None => true,
                Some(alts) => alts
                    .iter()
                    .any(|groups| groups.iter().all(|g| g.iter().any(|&l| present(l)))),
            })
            .collect()
    }

    /// Run `rules` on one side of a file: regexes on the text, queries on a tree parsed once
    /// (from `reuse`, an edited tree of an earlier version, when given). Returns the tree.
    #[allow(clippy::too_many_arguments)]
    fn run_side(
        &self,
        lang: Option<Lang>,
        text: &SideText,
        rules: &[usize],
        plans: &Plans,
        reuse: Option<&tree_sitter::Tree>,
        notes: &mut Vec<Notification>,
        path: &str,
    ) -> (Vec<RawMatch>, Option<tree_sitter::Tree>) {
        let sel = self.select(rules, text);
        let tree = self.parse_for(lang, text, &sel, reuse, notes, path);
        let out = self.match_side(lang, text, &sel, tree.as_ref(), None, plans, notes, path);
        (out, tree)
    }

    /// The rules of `rules` a side's text lets through (prefilter, `requires`), split into
    /// (regex rules, query rules).
    fn select(&self, rules: &[usize], text: &SideText) -> Selected {
        let clock = timings::start();
        let mut rules = self.prefilter(rules, &text.text);
        rules.retain(|&r| self.rules.rules[r].may_match(&text.text));
        timings::add(Stage::Prefilter, clock);
        let (queries, regexes): (Vec<usize>, Vec<usize>) = rules
            .iter()
            .partition(|&&r| matches!(self.rules.rules[r].matcher, Matcher::Query(_)));
        Selected { regexes, queries }
    }

    /// The side's tree, when its selected rules have queries.
    fn parse_for(
        &self,
        lang: Option<Lang>,
        text: &SideText,
        sel: &Selected,
        reuse: Option<&tree_sitter::Tree>,
        notes: &mut Vec<Notification>,
        path: &str,
    ) -> Option<tree_sitter::Tree> {
        let lang = lang.filter(|_| !sel.queries.is_empty())?;
        let tree = timings::time(Stage::Parse, || matcher::parse(lang, &text.text, reuse));
        if tree.is_none() {
            notes.push(Notification {
                path: path.to_string(),
                message: format!("could not be parsed as {lang}: syntax rules skipped"),
            });
        }
        tree
    }

    /// Run the selected rules on a side: regexes on its text, queries on its tree (within
    /// `ranges` only, when given: see `regions`).
    #[allow(clippy::too_many_arguments)]
    fn match_side(
        &self,
        lang: Option<Lang>,
        text: &SideText,
        sel: &Selected,
        tree: Option<&tree_sitter::Tree>,
        ranges: Option<&[(usize, usize)]>,
        plans: &Plans,
        notes: &mut Vec<Notification>,
        path: &str,
    ) -> Vec<RawMatch> {
        let mut out = Vec::new();
        matcher::run_regexes(&self.rules.rules, &sel.regexes, text, &mut out);
        if let (Some(lang), Some(tree), false) = (lang, tree, sel.queries.is_empty()) {
            let members = plans.members(lang);
            let cut = matcher::run_queries(
                self.rules,
                members,
                &sel.queries,
                lang,
                tree,
                text,
                ranges,
                &mut out,
            );
            if cut {
                notes.push(Notification {
                    path: path.to_string(),
                    message: format!(
                        "the {lang} syntax rules were cut off here (too many candidate matches, or over their time budget): results of {} may be incomplete",
                        sel.queries
                            .iter()
                            .map(|&r| self.rules.rules[r].id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        // Generic rules guess a secret from its name and its look: a template's placeholder, or
        // a name that refers to a secret (`…_SECRET_NAME`, `…_PASSWORD_FILE`), is not one.
        out.retain(|m| {
            let rule = &self.rules.rules[m.rule];
            if !rule.tags.iter().any(|t| t == "generic") {
                return true;
            }
            let value = m.secret.map(|(s, e)| &text.text[s..e]);
            let name = m
                .captures
                .iter()
                .find(|(n, _)| n == "name")
                .map(|(_, v)| v.as_str());
            !value.is_some_and(placeholder::is_placeholder_word)
                && !name.is_some_and(placeholder::names_a_reference)
        });
        if !self.opts.allow_regexes.is_empty() {
            out.retain(|m| {
                let (s, e) = m.secret.unwrap_or((m.start, m.end));
                let value = &text.text[s..e];
                !self.opts.allow_regexes.iter().any(|re| re.is_match(value))
            });
        }
        out
    }

    /// Read a file and select its rules. `hot`: the rules the change concerns (`concern`), when
    /// decided; `known`: the file as that pass read it.
    /// Read both sides of a file and diff them.
    fn read(&self, f: &FileChange) -> ReadFile {
        let clock = timings::start();
        // A lockfile may be far larger than the text rules' limit; the analyzers read it whole
        // (their cost grows with its size, not with the rules), the text rules up to their limit.
        let limit = crate::analyzers::FileKind::of(&f.path).map_or(self.opts.max_file_size, |k| {
            k.size_limit().max(self.opts.max_file_size)
        });
        let mut notes = Vec::new();
        let mut load_side = |c| match load(c, limit) {
            Ok(Some(l)) => {
                if let Some(note) = l.note {
                    notes.push(Notification {
                        path: f.path.clone(),
                        message: note,
                    });
                }
                Some(l.text)
            }
            Ok(None) => None,
            Err(LoadError::Skipped(why)) => {
                notes.push(Notification {
                    path: f.path.clone(),
                    message: why,
                });
                None
            }
        };
        let new = load_side(&f.new);
        let old = load_side(&f.old);
        // A side that exists but could not be read leaves nothing to diff against.
        let readable = (new.is_some() || f.new.is_absent()) && (old.is_some() || f.old.is_absent());
        let changes = readable.then(|| match (&f.hunks, &old, &new) {
            (Some(h), _, _) => LineChanges::from_hunks(h.clone()),
            (None, None, _) => LineChanges::all_added(),
            (None, Some(_), None) => LineChanges::all_removed(),
            (None, Some(o), Some(n)) => LineChanges::from_hunks(diff_lines(&o.text, &n.text)),
        });
        timings::add(Stage::Read, clock);
        ReadFile {
            new,
            old,
            notes,
            changes,
        }
    }

    fn prepare<'f>(
        &self,
        index: usize,
        f: &'f FileChange,
        any_old: bool,
        hot: Option<&[bool]>,
        known: Option<ReadFile>,
    ) -> Step<'f> {
        let mut res = FileResult {
            candidates: Vec::new(),
            secret_values: Vec::new(),
            facts: None,
            notifications: Vec::new(),
            stats: ScanStats::default(),
            generated: None,
        };
        let lang = Lang::for_path(&f.path);
        let mut rules = self.rules_for(lang, &f.path, f.old_path.as_deref());
        if !any_old {
            rules.retain(|&r| self.rules.rules[r].diff != DiffMode::Removed);
        }
        if rules.is_empty() {
            return Step::Done(Box::new(res));
        }
        // Still read below when no rule is left, for the summary's counts.
        if let Some(hot) = hot {
            rules.retain(|&r| !concern::decided_here(&self.rules.rules[r]) || hot[r]);
        }
        let kind = crate::analyzers::FileKind::of(&f.path);
        let ReadFile {
            new,
            old,
            notes,
            changes,
        } = known.unwrap_or_else(|| self.read(f));
        res.notifications.extend(notes);
        let Some(changes) = changes else {
            // A side that exists could not be read: without it the diff would be wrong.
            return Step::Done(Box::new(res));
        };
        res.stats.files_scanned = 1;
        if let Some(n) = &new {
            // Only what the checks pack would say about the file depends on it.
            let checks = rules
                .iter()
                .any(|&r| self.rules.rules[r].category == crate::finding::Category::Checks);
            if checks && generated::is_generated(&f.path, &n.text) {
                res.generated = Some(f.path.clone());
            }
            res.stats.bytes_scanned = n.text.len() as u64;
            res.stats.added_lines = changes.added_count(n.line_count());
        }
        // Fact rules read the file's structure (a manifest's dependencies), not its text.
        let (fact_rules, mut rules): (Vec<usize>, Vec<usize>) = rules
            .iter()
            .partition(|&&r| matches!(self.rules.rules[r].matcher, Matcher::Fact(_)));
        let oversize = |t: &Option<SideText>| {
            t.as_ref()
                .is_some_and(|t| t.text.len() as u64 > self.opts.max_file_size)
        };
        if (oversize(&new) || oversize(&old)) && !rules.is_empty() {
            rules.clear();
            res.notifications.push(Notification {
                path: f.path.clone(),
                message: format!(
                    "larger than {} MiB: only the structured analyzers (dependencies, infrastructure) read it",
                    self.opts.max_file_size / (1024 * 1024)
                ),
            });
        }
        // `any` rules look at the new side only; the old side serves `added` (cancellation) and
        // `removed` rules.
        let old_rules: Vec<usize> = rules
            .iter()
            .copied()
            .filter(|&r| self.rules.rules[r].diff != DiffMode::Any)
            .collect();
        // Both sides are matched before any snippet is cut, so every snippet can mask every
        // secret of its side.
        // Both sides are selected and parsed before either is matched: the old side's tree,
        // edited, lets the new side be parsed incrementally, and the two trees together say
        // which regions the `added`/`removed` rules must walk (`regions`).
        let old_sel = old.as_ref().map(|o| self.select(&old_rules, o));
        let mut new_sel = new.as_ref().map(|n| self.select(&rules, n));
        // A `count.within` rule whose members the old side holds must read the new side's
        // units even where no member (and so none of its literals) is left.
        if let (Some(o), Some(n)) = (&old_sel, &mut new_sel) {
            for &r in &o.queries {
                let within = matches!(
                    self.rules.rules[r].count,
                    Some(crate::rules::compile::Count::Within(_))
                );
                if within && !n.queries.contains(&r) {
                    n.queries.push(r);
                }
            }
            n.queries.sort_unstable();
        }
        let file = Prepared {
            index,
            f,
            lang,
            res,
            old,
            new,
            changes,
            old_sel,
            new_sel,
            fact_rules,
            kind,
        };
        let parses = |s: &Option<Selected>| s.as_ref().is_some_and(|s| !s.queries.is_empty());
        if parses(&file.old_sel) || parses(&file.new_sel) {
            Step::Pending(Box::new(file))
        } else {
            Step::Done(Box::new(self.finish(file, &Plans(Vec::new()))))
        }
    }

    /// The rest of a file's scan, once the scan's queries are known: parse, match, candidates,
    /// facts.
    fn finish(&self, file: Prepared<'_>, plans: &Plans) -> FileResult {
        let Prepared {
            index,
            f,
            lang,
            mut res,
            mut old,
            mut new,
            changes,
            old_sel,
            new_sel,
            fact_rules,
            kind,
        } = file;
        let old_tree = match (&old, &old_sel) {
            (Some(o), Some(s)) => self.parse_for(lang, o, s, None, &mut res.notifications, &f.path),
            _ => None,
        };
        let edited = match (&old_tree, &old, &new) {
            (Some(t), Some(o), Some(n)) => reparse::edited(t, o, n, &changes),
            _ => None,
        };
        let new_tree = match (&new, &new_sel) {
            (Some(n), Some(s)) => {
                self.parse_for(lang, n, s, edited.as_ref(), &mut res.notifications, &f.path)
            }
            _ => None,
        };
        // Narrow walks only when every selected query rule of both sides allows them.
        let narrowable = |s: &Option<Selected>| {
            s.as_ref().is_none_or(|s| {
                s.queries.iter().all(|&r| {
                    let rule = &self.rules.rules[r];
                    // Counting and comparing rules pair a change with what it left as it was.
                    concern::decided_here(rule) && rule.count.is_none() && rule.compare.is_none()
                })
            })
        };
        let mut regions = match (&edited, &new_tree, &old, &new) {
            (Some(e), Some(nt), Some(o), Some(n))
                if narrowable(&old_sel) && narrowable(&new_sel) =>
            {
                regions::of(&changes, o, n, e, nt)
            }
            _ => None,
        };
        // A new file (or a plain scan's): every line is added, so there is no changed region
        // to keep to, but a match holds one of its rule's literals, so a walk can keep to
        // where they occur.
        if let (None, None, Some(n), Some(s)) = (&regions, &old, &new, &new_sel) {
            if narrowable(&new_sel) {
                if let Some(ranges) = self.literal_ranges(&s.queries, &n.text) {
                    regions = Some(regions::Regions {
                        old: Vec::new(),
                        new: ranges,
                    });
                }
            }
        }
        // Each side's matches; its secrets are kept on the side, so every snippet cut from it
        // can mask them, and their values for masking the whole report.
        let mut matched = |text: &mut Option<SideText>,
                           sel: &Option<Selected>,
                           tree: Option<&tree_sitter::Tree>,
                           ranges: Option<&[(usize, usize)]>| {
            let (Some(t), Some(s)) = (text.as_mut(), sel) else {
                return Vec::new();
            };
            let m = self.match_side(
                lang,
                t,
                s,
                tree,
                ranges,
                plans,
                &mut res.notifications,
                &f.path,
            );
            t.secrets = m.iter().filter_map(|m| m.secret).collect();
            res.secret_values.extend(self.credential_values(&m, t));
            m
        };
        let old_ranges = regions.as_ref().map(|r| r.old.as_slice());
        let new_ranges = regions.as_ref().map(|r| r.new.as_slice());
        let old_matches = matched(&mut old, &old_sel, old_tree.as_ref(), old_ranges);
        let new_matches = matched(&mut new, &new_sel, new_tree.as_ref(), new_ranges);
        if let Some(n) = &new {
            for m in new_matches {
                res.candidates.push(semantics::new_side_candidate(
                    self.rules, index, f, n, &changes, m,
                ));
            }
        }
        if let Some(o) = &old {
            for m in old_matches {
                res.candidates.push(semantics::old_side_candidate(
                    self.rules,
                    index,
                    f,
                    o,
                    new.as_ref(),
                    &changes,
                    m,
                ));
            }
        }
        if !fact_rules.is_empty() && kind.is_some() {
            let clock = timings::start();
            res.facts = facts::extract(index, f, old, new, changes, &mut res.notifications);
            timings::add(Stage::Facts, clock);
        }
        res
    }
}

/// Scan a change with a rule set: the engine's one entry point for callers.
pub fn scan(changes: &ChangeSet, rules: &RuleSet, opts: ScanOptions) -> ScanOutput {
    Engine::new(rules, opts).scan(changes)
}
