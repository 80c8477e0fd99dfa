//! `diffward scan`: resolve the arguments into a change and a rule set, scan, report, exit.

use crate::timings::{self, Stage};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use miette::{Context, IntoDiagnostic};

use super::{ColorChoice, FailOn, ScanArgs};
use crate::config::{parse_severity, Config};
use crate::engine::{self, ScanOptions};
use crate::finding::{Confidence, Finding, Severity, Side};
use crate::report::{self, Format, Report, Style};
use crate::rules::{compile::glob_set, RuleSelection, RuleSet};
use crate::source::git::Repo;
use crate::source::{paths, ChangeKind, ChangeSet};

/// Where the change comes from.
enum Input {
    Paths(Vec<PathBuf>),
    Range {
        base: String,
        head: String,
    },
    Staged,
    Patch(String),
    PrePush,
    PreCommitPush,
    Uncommitted,
    /// Every commit up to HEAD: the tree at HEAD, and the secrets any commit ever added.
    History,
    /// A coding agent's proposed edit, read by `crate::agent`.
    Proposed,
}

fn input(args: &ScanArgs) -> Input {
    if let Some(base) = &args.base {
        Input::Range {
            base: base.clone(),
            head: args.head.clone().unwrap_or_else(|| "HEAD".into()),
        }
    } else if args.staged {
        Input::Staged
    } else if let Some(p) = &args.patch {
        Input::Patch(p.clone())
    } else if !args.pre_push.is_empty() {
        Input::PrePush
    } else if args.pre_commit_push {
        Input::PreCommitPush
    } else if !args.paths.is_empty() {
        Input::Paths(args.paths.clone())
    } else {
        Input::Uncommitted
    }
}

/// What `diffward baseline create|update` scans: what its arguments name, and when they name
/// nothing, everything a first push of the repository would send (every commit up to HEAD), or
/// the current folder outside a repository with commits.
fn baseline_input(args: &ScanArgs, cwd: &Path) -> Input {
    match input(args) {
        Input::Uncommitted => match Repo::discover(cwd) {
            Ok(repo) if repo.head.is_some() => Input::History,
            _ => Input::Paths(vec![PathBuf::from(".")]),
        },
        other => other,
    }
}

/// The change sets to scan: one, or one per pushed ref for `--pre-push`.
fn read_changes(input: &Input, cwd: &Path) -> miette::Result<Vec<ChangeSet>> {
    if let Input::PrePush | Input::PreCommitPush = input {
        let mut lines = String::new();
        if let Input::PreCommitPush = input {
            lines = super::pre_commit::push_lines(|name| std::env::var(name).ok())?;
        } else {
            std::io::stdin()
                .read_to_string(&mut lines)
                .into_diagnostic()
                .wrap_err("cannot read git's pre-push lines from standard input")?;
        }
        let repo = Repo::discover(cwd)?;
        let mut sets = Vec::new();
        for (base, head) in repo.pushed_ranges(&lines)? {
            sets.push(repo.range_from(&base, &head)?);
        }
        if sets.is_empty() {
            sets.push(ChangeSet {
                root: repo.root.clone(),
                kind: ChangeKind::Staged,
                files: Vec::new(),
                notifications: Vec::new(),
                repo: None,
                context: Vec::new(),
            });
        }
        return Ok(sets);
    }
    Ok(vec![match input {
        Input::Paths(p) => {
            if let Some(missing) = p.iter().find(|p| !p.exists()) {
                return Err(miette::miette!(
                    code = "diffward::usage",
                    help =
                        "check the path; `diffward scan` with no path scans the uncommitted change",
                    "no such file or folder: {}",
                    missing.display()
                ));
            }
            paths::collect(&scan_root(cwd, p), p)
        }
        Input::Range { base, head } => Repo::discover(cwd)?.range(base, head)?,
        Input::Staged => Repo::discover(cwd)?.staged()?,
        Input::Uncommitted => Repo::discover(cwd)?.uncommitted()?,
        Input::History => Repo::discover(cwd)?.whole_history()?,
        Input::Proposed => unreachable!("built by the agent hook, never read"),
        Input::Patch(p) => {
            let bytes = if p == "-" {
                let mut s = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut s)
                    .into_diagnostic()
                    .wrap_err("cannot read the patch from standard input")?;
                s
            } else {
                std::fs::read(p)
                    .into_diagnostic()
                    .wrap_err_with(|| format!("cannot read the patch {p}"))?
            };
            // A patch of a file in another encoding is still a patch: scan it with the bad
            // bytes replaced, and say so.
            let valid = std::str::from_utf8(&bytes).is_ok();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let root = Repo::discover(cwd)
                .map(|r| r.root)
                .unwrap_or_else(|_| cwd.to_path_buf());
            let cs = crate::source::patch::from_patch(
                &root,
                &text,
                if p == "-" { "<stdin>" } else { p },
            )?;
            if cs.files.is_empty() && !text.trim().is_empty() {
                return Err(miette::miette!(
                    code = "diffward::patch",
                    help = "pass a unified diff, for example the output of `git diff`",
                    "the patch holds no file changes"
                ));
            }
            let mut cs = cs;
            if !valid {
                cs.notifications.push(crate::finding::Notification {
                    path: if p == "-" {
                        "<stdin>".into()
                    } else {
                        p.clone()
                    },
                    message:
                        "the patch is not valid UTF-8: scanned with the invalid bytes replaced"
                            .into(),
                });
            }
            cs
        }
        Input::PrePush | Input::PreCommitPush => unreachable!("handled above"),
    }])
}

fn threshold(args: &ScanArgs, cfg: &Config) -> Option<Severity> {
    let from_flag = args.fail_on.map(FailOn::threshold);
    match from_flag {
        Some(t) => t,
        None => match cfg.scan.fail_on.as_deref() {
            Some("never") => None,
            Some(s) => parse_severity(s),
            None => Some(Severity::Low),
        },
    }
}

/// Attach the commit that introduced each finding in a git range: for an added line, the commit
/// `git blame` names; for a removal, the commit of the range that deleted its line. Lookups are
/// batched per file (see `source::git::provenance`), so every finding gets one.
fn add_provenance(repo: &Repo, base: &str, head: &str, findings: &mut [Finding]) {
    use crate::source::git::provenance::Introduced;
    let asks: Vec<Introduced> = findings
        .iter()
        .map(|f| match (f.side, f.base_line) {
            (_, Some(line)) => Introduced::Removed {
                path: f.base_path.clone().unwrap_or_else(|| f.path.clone()),
                line,
            },
            (Side::Base | Side::History, None) => Introduced::File {
                path: f.path.clone(),
            },
            (Side::Head, None) => Introduced::Line {
                path: f.path.clone(),
                line: f.region.start_line,
            },
        })
        .collect();
    for (f, p) in findings.iter_mut().zip(repo.provenance(base, head, &asks)) {
        f.provenance = p;
    }
}

fn write_out(path: &Path, text: &str) -> miette::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(miette::miette!(
                code = "diffward::usage",
                help = "create the folder first, or write somewhere that exists",
                "cannot write {}: the folder {} does not exist",
                path.display(),
                dir.display()
            ));
        }
    }
    std::fs::write(path, text)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", path.display()))
}

/// The categories judged by the history of a range, not by its net diff: a secret that any
/// commit of a pushed range added is in the remote's history once pushed, even if a later commit
/// deleted it. Every other category keeps the net-diff semantics (a `verify=False` added and
/// removed again inside the range is gone).
const HISTORY_CATEGORIES: &[crate::finding::Category] = &[crate::finding::Category::Secrets];

/// Secrets that a commit of `base..head` added and a later commit removed again: the net diff
/// cannot show them. Found in one pass over every commit's added lines; each is reported once,
/// at the first commit that added it, unless the net diff already found it (still at the head,
/// or already at the base).
fn secrets_in_history(
    repo: &Repo,
    base: &str,
    head: &str,
    rules: &RuleSet,
    opts: &ScanOptions,
    net: &engine::ScanOutput,
) -> miette::Result<Vec<Finding>> {
    if base == head
        || !rules
            .rules
            .iter()
            .any(|r| HISTORY_CATEGORIES.contains(&r.category))
    {
        return Ok(Vec::new());
    }
    let range = repo.commit_range(base, head);
    if repo.count_commits(&range)? < 2 {
        return Ok(Vec::new()); // one commit: its diff is the net diff
    }
    let history = repo.added_in_each_commit(&range, base, head)?;
    let mut o = opts.clone();
    o.only_categories = Some(HISTORY_CATEGORIES.to_vec());
    let mut found = engine::scan(&history.changes, rules, o).findings;
    // The oldest commit first: a secret is reported where it entered the history.
    found.sort_by_key(|f| f.change_index);
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Finding> = Vec::new();
    for mut f in found {
        let Some(digest) = f.secret_digest.clone() else {
            continue;
        };
        if net.secret_digests.contains(&digest) || !seen.insert((f.rule_id.clone(), digest)) {
            continue;
        }
        f.side = Side::History;
        f.message.push_str(
            " (removed later in the range, but still in its history: rewrite the history before pushing, and revoke it)",
        );
        out.push(f);
    }
    let commits: Vec<&str> = out
        .iter()
        .map(|f| history.commits[f.change_index].as_str())
        .collect();
    let details = repo.commit_details(&commits).unwrap_or_default();
    for (f, c) in out.iter_mut().zip(commits) {
        f.provenance = details.get(c).cloned();
    }
    Ok(out)
}

/// What a person whose push was stopped needs to read last.
fn blocked_push_advice(findings: &[Finding]) -> String {
    let mut s = String::from(
        "\ndiffward blocked this push (its pre-push hook): fix the findings above and push again.\n",
    );
    if findings
        .iter()
        .any(|f| f.category == crate::finding::Category::Secrets)
    {
        s.push_str(
            "A secret must leave the history, not only the code: a later commit that deletes it\n\
             still pushes the commit that added it. Rewrite the commits (`git rebase -i` on the\n\
             first commit not yet pushed, or `git commit --amend` for the last one), then revoke\n\
             the secret, since it may already have been copied.\n",
        );
    }
    s.push_str("`git push --no-verify` skips the check once.\n");
    s
}

/// Every `[severity]` key of diffward.toml names a rule (built in or the project's) or a
/// category: a typo must not silently change nothing.
fn check_severity_keys(cfg: &Config, rules: &RuleSet, sel: &RuleSelection) -> miette::Result<()> {
    let all = RuleSet::load(&RuleSelection {
        builtin: true,
        extra: sel.extra.clone(),
        only: Vec::new(),
        skip: Vec::new(),
        validate_builtin: false,
    })?;
    for id in cfg.severity.keys() {
        let known = crate::finding::Category::from_name(id).is_some()
            || rules.get(id).is_some()
            || all.get(id).is_some();
        if !known {
            return Err(miette::miette!(
                code = "diffward::config",
                help = "`diffward rules list` shows the rule ids",
                "diffward.toml: [severity] names `{id}`, which is no rule and no category"
            ));
        }
    }
    Ok(())
}

/// `--only X --skip Y`, as the user gave it, for messages.
fn describe_selection(sel: &RuleSelection) -> String {
    let mut parts = Vec::new();
    if !sel.only.is_empty() {
        parts.push(format!("--only {}", sel.only.join(",")));
    }
    if !sel.skip.is_empty() {
        parts.push(format!("--skip {}", sel.skip.join(",")));
    }
    if !sel.builtin {
        parts.push("--no-builtin-rules".into());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" by {}", parts.join(" "))
    }
}

/// The built-in secrets rules, when the selection runs fewer of them: they find the secrets that
/// every report must mask, whatever it was asked to report.
fn redaction_rules(rules: &RuleSet, sel: &RuleSelection) -> miette::Result<Option<RuleSet>> {
    use crate::finding::Category;
    if sel.builtin && sel.only.is_empty() && sel.skip.is_empty() {
        return Ok(None); // every built-in rule runs already
    }
    let all = RuleSet::load(&RuleSelection {
        builtin: true,
        extra: Vec::new(),
        only: vec!["secrets".into()],
        skip: Vec::new(),
        validate_builtin: false,
    })?;
    let selected = rules
        .rules
        .iter()
        .filter(|r| r.category == Category::Secrets)
        .count();
    Ok((selected < all.rules.len()).then_some(all))
}

/// A scan's results, before they are reported.
pub(super) struct Scanned {
    pub out: engine::ScanOutput,
    pub rules: RuleSet,
    pub cfg: Config,
    pub root: PathBuf,
    kind: ChangeKind,
    input: Input,
    pub baseline: Option<report::BaselineReport>,
    /// Every file the scan read (both paths of a rename).
    pub scanned_files: std::collections::HashSet<String>,
    started: std::time::Instant,
}

impl Scanned {
    /// What kind of change was scanned (the first change set's, for several pushed branches).
    pub fn kind(&self) -> ChangeKind {
        self.kind.clone()
    }
}

/// Whether a scan reads its baseline: a scan does; `diffward baseline create|update` does not,
/// since it writes one from what a scan without it reports.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    Report,
    WriteBaseline,
}

/// Scan what `args` name, with every project setting applied: allow comments, diffward.toml's
/// severities and allowlist, the baseline, and the AI-assisted suppression policy.
pub(super) fn collect(args: &ScanArgs, purpose: Purpose) -> miette::Result<Scanned> {
    let started = std::time::Instant::now();
    let cwd = std::env::current_dir()
        .into_diagnostic()
        .wrap_err("cannot read the current folder")?;
    if args.timings {
        crate::timings::enable();
    }
    let input = match purpose {
        Purpose::Report => input(args),
        Purpose::WriteBaseline => baseline_input(args, &cwd),
    };
    let clock = timings::start();
    let change_sets = read_changes(&input, &cwd)?;
    timings::add(Stage::Change, clock);
    collect_sets(args, purpose, change_sets, input, None, started)
}

/// A change that an agent proposes (see `crate::agent`), scanned with every project setting;
/// `agent` names who proposed it, so that the AI-assisted policy applies.
pub(crate) fn collect_proposed(
    args: &ScanArgs,
    change: ChangeSet,
    agent: &str,
) -> miette::Result<Scanned> {
    let started = std::time::Instant::now();
    collect_sets(
        args,
        Purpose::Report,
        vec![change],
        Input::Proposed,
        Some(agent),
        started,
    )
}

/// The folder a plain scan's paths are relative to, where its rules' path globs
/// (`.github/workflows/*.yml`) and its settings are read from: the repository that holds the one
/// folder or file scanned, else that folder itself; with several paths, the repository of the
/// working directory (else the working directory).
fn scan_root(cwd: &Path, paths: &[PathBuf]) -> PathBuf {
    if let [one] = paths {
        let target = if one.is_absolute() {
            one.clone()
        } else {
            cwd.join(one)
        };
        let dir = if target.is_dir() {
            target.clone()
        } else {
            target.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        if let Ok(r) = Repo::discover(&dir) {
            return r.root;
        }
        if target.is_dir() {
            return paths::normalize(&target);
        }
    }
    Repo::discover(cwd)
        .map(|r| r.root)
        .unwrap_or_else(|_| cwd.to_path_buf())
}

fn collect_sets(
    args: &ScanArgs,
    purpose: Purpose,
    mut change_sets: Vec<ChangeSet>,
    input: Input,
    agent: Option<&str>,
    started: std::time::Instant,
) -> miette::Result<Scanned> {
    let root = change_sets[0].root.clone();
    // The repository, found once and only when something needs it (a plain scan of files with
    // no baseline never does).
    let repo_cell: std::cell::OnceCell<Option<Repo>> = std::cell::OnceCell::new();
    let repo_of = || {
        repo_cell
            .get_or_init(|| Repo::discover(&root).ok())
            .as_ref()
    };

    let config_path = args
        .config
        .clone()
        .or_else(|| Some(root.join("diffward.toml")).filter(|p| p.is_file()));
    let mut cfg = match &config_path {
        // An agent's edit is judged by the settings the repository committed: an agent that
        // writes diffward.toml must not loosen the check of its next edit.
        _ if matches!(input, Input::Proposed) && args.config.is_none() => {
            committed_config(repo_of(), &root)?.map_or_else(
                || {
                    config_path
                        .as_deref()
                        .map_or(Ok(Config::default()), Config::load)
                },
                Ok,
            )?
        }
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    if args.config.is_none() {
        if let Some(note) = base_side_policy(&mut cfg, &change_sets[0], &repo_of) {
            change_sets[0].notifications.push(note);
        }
    }
    let infra = &cfg.infra;
    let yaml: Vec<String> = [
        &infra.kubernetes,
        &infra.cloudformation,
        &infra.iam_policies,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    crate::analyzers::kind::name_infra_files(&yaml, &infra.terraform, &infra.compose)
        .map_err(|e| miette::miette!("diffward.toml: infra: {e}"))?;
    if let Some(exclude) =
        glob_set(&cfg.scan.exclude).map_err(|e| miette::miette!("diffward.toml: {e}"))?
    {
        for cs in &mut change_sets {
            cs.files.retain(|f| !exclude.is_match(&f.path));
        }
    }

    let mut extra = cfg.scan.rules.clone();
    extra.extend(args.rules.iter().cloned());
    let selection = RuleSelection {
        builtin: !args.no_builtin_rules,
        extra,
        only: if args.only.is_empty() {
            cfg.scan.only.clone()
        } else {
            args.only.clone()
        },
        skip: cfg.scan.skip.iter().chain(&args.skip).cloned().collect(),
        validate_builtin: false,
    };
    let rules = timings::time(Stage::Rules, || RuleSet::load(&selection))?;
    if rules.rules.is_empty() {
        return Err(miette::miette!(
            code = "diffward::usage",
            help = "`diffward rules list` shows the rules, categories and tags there are; a category with no rules yet selects nothing",
            "no rule is selected{}: nothing would be scanned",
            describe_selection(&selection)
        ));
    }
    if !cfg.severity.is_empty() {
        check_severity_keys(&cfg, &rules, &selection)?;
    }
    let baseline = match purpose {
        Purpose::Report => super::baselined::locate(
            args.baseline.as_deref(),
            cfg.scan.baseline.as_deref(),
            args.no_baseline,
            &root,
        )?,
        Purpose::WriteBaseline => None,
    };
    // Secrets found by rules the selection left out must still be masked in the report: the
    // rules for that, once a finding needs them (`Some(None)`: the selection has them all).
    let mut redaction: Option<Option<RuleSet>> = None;
    let opts = ScanOptions {
        max_file_size: args
            .max_file_size
            .or(cfg.scan.max_file_size)
            .unwrap_or(ScanOptions::default().max_file_size),
        secrets_in_tests: cfg.scan.secrets_in_tests.unwrap_or_default(),
        // A test that builds an unsigned token to see it refused, or talks to a mock server
        // without TLS, weakens nothing that ships: the packs other than secrets and checks say
        // nothing about test code unless asked.
        findings_in_tests: cfg
            .scan
            .findings_in_tests
            .unwrap_or(crate::engine::TestPathPolicy::Skip),
        allow_regexes: cfg
            .allow
            .regexes
            .iter()
            .filter_map(|r| regex::Regex::new(r).ok())
            .collect(),
        only_categories: None,
    };
    let allowed_paths = glob_set(&cfg.allow.paths)
        .map_err(|e| miette::miette!("diffward.toml: allow.paths: {e}"))?;
    let mut out = engine::ScanOutput::default();
    let mut baseline_report = baseline.as_ref().map(|b| report::BaselineReport {
        file: b.file.clone(),
        show_unused: args.report_unused,
        ..Default::default()
    });
    // Entries unused by every change set scanned (several pushed branches) are unused.
    let mut unused: Option<Vec<crate::suppress::baseline::Entry>> = None;
    for cs in &change_sets {
        let mut part = engine::scan(cs, &rules, opts.clone());
        if !part.findings.is_empty() || !part.suppressed.is_empty() {
            if redaction.is_none() {
                redaction = Some(redaction_rules(&rules, &selection)?);
            }
            if let Some(Some(secret_rules)) = &redaction {
                let mut shown: std::collections::HashMap<&str, Vec<(u64, u64)>> =
                    std::collections::HashMap::new();
                for f in part.findings.iter().chain(&part.suppressed) {
                    shown
                        .entry(f.path.as_str())
                        .or_default()
                        .push((f.region.start_line.into(), f.region.end_line.into()));
                }
                let values =
                    engine::Engine::new(secret_rules, opts.clone()).secret_values_in(cs, &shown);
                engine::mask_every_occurrence(&mut part.suppressed, values.clone());
                engine::mask_every_occurrence(&mut part.findings, values);
            }
        }
        let needs_repo = matches!(cs.kind, ChangeKind::Range { .. }) || baseline.is_some();
        let repo = if needs_repo { repo_of() } else { None };
        if let (ChangeKind::Range { base, head }, Some(repo)) = (&cs.kind, repo) {
            add_provenance(repo, base, head, &mut part.findings);
            add_provenance(repo, base, head, &mut part.suppressed);
            let clock = timings::start();
            let history = secrets_in_history(repo, base, head, &rules, &opts, &part)?;
            timings::add(Stage::History, clock);
            part.findings.extend(history);
            part.findings
                .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        }
        for list in [&mut part.findings, &mut part.suppressed] {
            project_severities(&cfg, list);
            // The project's allowlist: paths and fingerprints it accepts.
            list.retain(|f| {
                !cfg.allow.fingerprints.contains(&f.fingerprint)
                    && !allowed_paths.as_ref().is_some_and(|g| g.is_match(&f.path))
            });
        }
        if let (Some(b), Some(rep)) = (&baseline, &mut baseline_report) {
            let outcome = super::baselined::apply(b, cs, repo, &rules, &opts, &mut part)?;
            rep.covered += outcome.covered;
            rep.expired += outcome.expired;
            unused = Some(match unused.take() {
                None => outcome.unused,
                Some(before) => before
                    .into_iter()
                    .filter(|e| outcome.unused.contains(e))
                    .collect(),
            });
        }
        let added = crate::suppress::policy::added_suppressions(&part.suppressed);
        if !cfg.policy.ai_assisted_may_suppress {
            let by_ai = ai_suppressors(cs, repo, &part.suppressed, agent);
            let back = crate::suppress::policy::overrule_ai_suppressions(
                &mut part.findings,
                &mut part.suppressed,
                |s| by_ai.get(&(s.path.clone(), s.line)).cloned(),
            );
            if let Some(rep) = &mut baseline_report {
                rep.overruled += back;
            }
        }
        crate::suppress::policy::keep_effective_suppression_reports(
            &mut part.findings,
            &added,
            &super::baselined::tagged(&rules, "suppression-report"),
        );
        // Only a baseline the change itself edits has entries a reviewer of it can see.
        if let Some(b) = baseline
            .as_ref()
            .filter(|b| cs.files.iter().any(|f| f.path == b.file))
        {
            crate::suppress::policy::report_added_entries(
                &mut part.findings,
                &added,
                rules.get("checks/baseline-entry-added"),
                &b.file,
            );
        }
        out.merge(part);
    }
    if let Some(rep) = &mut baseline_report {
        rep.unused = unused.unwrap_or_default();
    }
    out.stats.allowed_by_comment = out
        .suppressed
        .iter()
        .filter(|f| {
            f.suppression
                .as_ref()
                .is_some_and(|s| s.kind == crate::finding::SuppressionKind::InSource)
        })
        .count();
    let kind = change_sets[0].kind.clone();
    let scanned_files = change_sets
        .iter()
        .flat_map(|cs| &cs.files)
        .flat_map(|f| std::iter::once(f.path.clone()).chain(f.old_path.clone()))
        .collect();
    Ok(Scanned {
        scanned_files,
        out,
        rules,
        cfg,
        root,
        kind,
        input,
        baseline: baseline_report,
        started,
    })
}

/// diffward.toml as HEAD has it, when it is committed.
fn committed_config(repo: Option<&Repo>, root: &Path) -> miette::Result<Option<Config>> {
    let Some(repo) = repo else {
        return Ok(None);
    };
    let Some(bytes) = repo
        .head
        .as_ref()
        .and_then(|h| repo.file_at(h, "diffward.toml"))
    else {
        return Ok(None);
    };
    let path = root.join("diffward.toml");
    Ok(Some(Config::parse(
        &String::from_utf8_lossy(&bytes),
        &path,
    )?))
}

/// In a scan of commits, the exceptions and the AI policy that judge the change are those of
/// its base: a change that relaxes `[allow]` or `[policy]` in diffward.toml would otherwise
/// let itself through (the new settings apply once it is merged, and the checks pack reports
/// the change to them). Says so when they differ.
fn base_side_policy<'r>(
    cfg: &mut Config,
    cs: &ChangeSet,
    repo: &impl Fn() -> Option<&'r Repo>,
) -> Option<crate::finding::Notification> {
    let ChangeKind::Range { base, .. } = &cs.kind else {
        return None;
    };
    let repo = repo()?;
    let bytes = repo.file_at(base, "diffward.toml")?;
    let old: Config = toml::from_str(&String::from_utf8_lossy(&bytes)).ok()?;
    let changed =
        format!("{:?}{:?}", cfg.allow, cfg.policy) != format!("{:?}{:?}", old.allow, old.policy);
    cfg.allow = old.allow;
    cfg.policy = old.policy;
    changed.then(|| crate::finding::Notification {
        path: "diffward.toml".into(),
        message: "this change edits [allow] or [policy]: the base side's settings judge it; the new ones apply once it is merged".into(),
    })
}

/// The project's own severities: a rule id wins over its category.
fn project_severities(cfg: &Config, findings: &mut [Finding]) {
    for f in findings {
        let own = cfg
            .severity
            .get(&f.rule_id)
            .or_else(|| cfg.severity.get(f.category.as_str()));
        if let Some(s) = own.and_then(|s| parse_severity(s)) {
            f.severity = s;
        }
    }
}

/// For the suppressions of critical and high findings that the change added, the AI-assisted
/// commit that added each, by (file, line): from `git blame` in a range; outside one (the
/// index, the work tree, a patch: no commit yet) from `DIFFWARD_AI_ASSISTED` in the
/// environment, which an agent's shell can set.
fn ai_suppressors(
    cs: &ChangeSet,
    repo: Option<&Repo>,
    suppressed: &[Finding],
    agent: Option<&str>,
) -> std::collections::HashMap<(String, u32), String> {
    use crate::source::git::provenance::Introduced;
    let wanted: Vec<(&crate::finding::Suppression, u32)> = suppressed
        .iter()
        .filter(|f| f.severity >= Severity::High)
        .filter_map(|f| Some((f.suppression.as_ref()?, f.region.start_line)))
        .filter(|(s, _)| s.added_by_change && s.line > 0)
        .collect();
    let mut out = std::collections::HashMap::new();
    if wanted.is_empty() {
        return out;
    }
    match (&cs.kind, repo) {
        (ChangeKind::Range { base, head }, Some(repo)) => {
            // Every line of the suppression (all of a baseline entry's), and for an allow
            // comment the line it covers: an agent that edits an entry, or writes new code
            // under an old comment, makes the exception as much as one that writes it.
            let mut asks: Vec<Introduced> = Vec::new();
            let mut owner: Vec<usize> = Vec::new();
            for (i, (s, covered)) in wanted.iter().enumerate() {
                let mut lines: Vec<(String, u32)> = (s.line..=s.last_line.max(s.line))
                    .map(|l| (s.path.clone(), l))
                    .collect();
                if s.kind == crate::finding::SuppressionKind::InSource {
                    lines.push((s.path.clone(), *covered));
                }
                for (path, line) in lines {
                    asks.push(Introduced::Line { path, line });
                    owner.push(i);
                }
            }
            for (i, p) in owner.into_iter().zip(repo.provenance(base, head, &asks)) {
                let s = wanted[i].0;
                if let Some(p) = p.filter(|p| p.ai_assisted) {
                    let who = p.assistant.unwrap_or_else(|| "AI-assisted".into());
                    let short = &p.commit[..p.commit.len().min(10)];
                    out.entry((s.path.clone(), s.line))
                        .or_insert_with(|| format!("an AI-assisted commit, {short} ({who})"));
                }
            }
        }
        (ChangeKind::Paths, _) => {}
        _ => {
            let named = agent.map(|a| format!("{a}'s proposed edit"));
            let from_env = || {
                crate::source::git::provenance::agent_of_environment()
                    .map(|e| format!("an AI-assisted change not committed yet ({e})"))
            };
            if let Some(by) = named.or_else(from_env) {
                for (s, _) in wanted {
                    out.insert((s.path.clone(), s.line), by.clone());
                }
            }
        }
    }
    out
}

pub fn run(args: ScanArgs) -> miette::Result<ExitCode> {
    let scanned = collect(&args, Purpose::Report)?;
    report_and_exit(&args, scanned)
}

fn report_and_exit(args: &ScanArgs, s: Scanned) -> miette::Result<ExitCode> {
    let Scanned {
        mut out,
        rules,
        cfg,
        root,
        kind,
        input,
        baseline,
        started,
        ..
    } = s;
    // Repository details only go into SARIF; they cost git calls, so only then.
    let mut repo_info = None;
    if args.format == Format::Sarif || args.sarif_output.is_some() {
        if let Ok(repo) = Repo::discover(&root) {
            let revision = match &kind {
                ChangeKind::Range { head, .. } => Some(head.clone()),
                _ => None,
            };
            repo_info = Some(repo.info(revision));
        }
    }

    // The summary shows the whole run's time, not only the engine's.
    out.stats.elapsed = started.elapsed();
    let report = Report {
        findings: &out.findings,
        suppressed: &out.suppressed,
        include_suppressed: args.include_suppressed,
        baseline: baseline.as_ref(),
        notifications: &out.notifications,
        rules: &rules,
        stats: &out.stats,
        repo: repo_info.as_ref(),
        root: &root,
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let style = Style {
        color: match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
        },
        width: std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100),
    };
    let clock = timings::start();
    let text = report::render(args.format, &report, style);
    match &args.output {
        Some(p) => {
            write_out(p, &text)?;
            if args.format != Format::Human {
                // Still tell a person at a terminal what happened.
                eprint!("{}", report::human::summary(&report));
            }
        }
        None => super::emit(&text),
    }
    if let Some(p) = &args.sarif_output {
        write_out(p, &report::sarif::render(&report))?;
    }
    if let Some(p) = &args.summary_output {
        report::summary::append(p, &report)?;
    }
    timings::add(Stage::Report, clock);
    if args.timings {
        eprint!("{}", timings::report(started.elapsed()));
    }

    let min_confidence = args
        .min_confidence
        .or(cfg.scan.min_confidence)
        .unwrap_or(Confidence::Medium);
    let bar = threshold(args, &cfg);
    // AI-assisted commits may be held to a stricter bar than the scan's own.
    let ai_bar = cfg
        .policy
        .ai_assisted_fail_on
        .as_deref()
        .and_then(parse_severity);
    // `--fail-on never` means never, whatever the project's bar for agents.
    let ai_bar = ai_bar.filter(|_| args.fail_on != Some(FailOn::Never));
    let fails = |f: &Finding| {
        let ai = f.provenance.as_ref().is_some_and(|p| p.ai_assisted);
        let t = match (bar, ai_bar.filter(|_| ai)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        t.is_some_and(|t| f.severity >= t) && f.confidence >= min_confidence
    };
    let failing = out.findings.iter().any(fails);
    if failing && matches!(input, Input::PrePush | Input::PreCommitPush) {
        eprint!("{}", blocked_push_advice(&out.findings));
    }
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
