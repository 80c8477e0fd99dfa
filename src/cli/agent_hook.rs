//! `diffward agent-hook`: a coding agent's proposed tool call, checked before it runs (see
//! `crate::agent`), and `diffward hook install --agent`: the agent's hook configuration.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{scan, FailOn, ScanArgs};
use crate::agent::{self, answer, Agent};
use crate::finding::Confidence;

/// What to answer when diffward itself cannot check a call (a payload it cannot read, a broken
/// diffward.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    /// Refuse the call, saying why: an edit nobody checked could hold a secret.
    Closed,
    /// Let the call through, with the error on standard error.
    Open,
}

#[derive(Debug, Args)]
pub struct AgentHookArgs {
    /// The agent whose protocol to speak [default: recognised from the payload].
    #[arg(long, value_enum)]
    pub agent: Option<Agent>,
    /// Refuse a call whose change adds a finding at or above this severity (a stricter
    /// `[policy] ai-assisted-fail-on` in diffward.toml wins).
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// When diffward cannot check a call.
    #[arg(long, value_enum, default_value_t = OnError::Closed)]
    pub on_error: OnError,
    /// Settings file [default: diffward.toml as the repository of the edited file committed
    /// it, else as it is on disk].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Files larger than this (before or after the edit) cannot be checked: refused or let
    /// through as --on-error says [default: 2097152].
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
}

pub fn run(a: AgentHookArgs) -> miette::Result<ExitCode> {
    let mut input = String::new();
    let read = std::io::stdin().read_to_string(&mut input);
    let fallback = a.agent.unwrap_or(Agent::ClaudeCode);
    let closed = a.on_error == OnError::Closed;
    if let Err(e) = read {
        let msg = format!("diffward could not read the hook's input: {e}");
        return Ok(emit(answer::failure(fallback, "PreToolUse", &msg, closed)));
    }
    let parsed = match a.agent {
        Some(agent) => agent::payload::parse_as(&input, agent),
        None => agent::payload::parse(&input),
    };
    let call = match parsed {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("diffward could not read this hook payload: {e}");
            return Ok(emit(answer::failure(fallback, "PreToolUse", &msg, closed)));
        }
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let max = a
        .max_file_size
        .unwrap_or(crate::engine::ScanOptions::default().max_file_size);
    let Some(change) = agent::change::of(&call, &cwd, max) else {
        return Ok(emit(answer::render(
            call.agent,
            &call.event,
            &agent::Decision {
                deny: false,
                reason: String::new(),
            },
            None,
        )));
    };
    // An edit of diffward.toml itself goes through when the settings cannot be read, or an
    // agent could never repair them.
    let edits_settings = !change.files.is_empty()
        && change.notifications.is_empty()
        && change.files.iter().all(|f| f.path == "diffward.toml");
    match check(&a, &call, change, closed) {
        Ok(out) => Ok(emit(out)),
        Err(e) => {
            let mut msg = format!("diffward could not check this change: {e}");
            if let Some(help) = AsRef::<dyn miette::Diagnostic>::as_ref(&e).help() {
                msg.push_str(&format!(" ({help})"));
            }
            Ok(emit(answer::failure(
                call.agent,
                &call.event,
                &msg,
                closed && !edits_settings,
            )))
        }
    }
}

/// Scan the change with the project's settings and decide.
fn check(
    a: &AgentHookArgs,
    call: &agent::ToolCall,
    change: crate::source::ChangeSet,
    closed: bool,
) -> miette::Result<answer::Answer> {
    let mut args = scan_args()?;
    args.config = a.config.clone();
    args.max_file_size = a.max_file_size;
    let scanned = scan::collect_proposed(&args, change, call.agent.name())?;
    let own = a.fail_on.threshold();
    let policy = scanned
        .cfg
        .policy
        .ai_assisted_fail_on
        .as_deref()
        .and_then(crate::config::parse_severity);
    let fail_at = match (own, policy) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    let min_confidence = scanned
        .cfg
        .scan
        .min_confidence
        .unwrap_or(Confidence::Medium);
    let (decision, context) = agent::decide::decide(
        &scanned.out.findings,
        &scanned.rules,
        fail_at,
        min_confidence,
    );
    // A file the check could not read (too large, binary) is not a checked file.
    let unchecked: Vec<String> = scanned
        .out
        .notifications
        .iter()
        .filter(|n| n.message.starts_with("not checked") || n.message.starts_with("skipped"))
        .map(|n| format!("{}: {}", n.path, n.message))
        .collect();
    if !decision.deny && !unchecked.is_empty() {
        let msg = format!(
            "diffward could not check {} ({}); raise `--max-file-size` in the hook command if the file is meant to be that large",
            if unchecked.len() == 1 { "a file of the edit" } else { "files of the edit" },
            unchecked.join("; ")
        );
        return Ok(answer::failure(call.agent, &call.event, &msg, closed));
    }
    let mut out = answer::render(call.agent, &call.event, &decision, context.as_deref());
    for n in &scanned.out.notifications {
        out.stderr
            .push_str(&format!("diffward: note: {}: {}\n", n.path, n.message));
    }
    Ok(out)
}

/// A scan's arguments with every default, as `diffward scan` would have them.
fn scan_args() -> miette::Result<ScanArgs> {
    use clap::FromArgMatches;
    let cmd = ScanArgs::augment_args(clap::Command::new("scan"));
    let m = cmd
        .try_get_matches_from(["scan"])
        .map_err(|e| miette::miette!("{e}"))?;
    ScanArgs::from_arg_matches(&m).map_err(|e| miette::miette!("{e}"))
}

fn emit(a: answer::Answer) -> ExitCode {
    use std::io::Write;
    if !a.stdout.is_empty() {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(a.stdout.as_bytes()).and_then(|()| o.flush());
    }
    if !a.stderr.is_empty() {
        let _ = std::io::stderr().write_all(a.stderr.as_bytes());
    }
    ExitCode::from(a.code)
}

/// `diffward hook install --agent X [--global]`.
pub fn install(agent: Agent, global: bool, fail_on: FailOn) -> miette::Result<ExitCode> {
    let (root, home) = places()?;
    // The binary by its absolute path, as for the git hook: an agent's shell may have another
    // PATH.
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "diffward".into());
    let mut command = format!(
        "{} agent-hook --agent {}",
        shell_quote(&exe),
        agent_flag(agent)
    );
    if fail_on != FailOn::High {
        command.push_str(&format!(" --fail-on {}", fail_on.as_str()));
    }
    let scope = scope(global);
    let done = agent::install::install(agent, scope, &root, &home, &command)
        .map_err(|e| miette::miette!(code = "diffward::hook", "{e}"))?;
    eprintln!(
        "diffward: {} {} hook in {}",
        if done.changed {
            "installed the"
        } else {
            "already had its"
        },
        agent.name(),
        done.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `diffward hook uninstall --agent X [--global]`.
pub fn uninstall(agent: Agent, global: bool) -> miette::Result<ExitCode> {
    let (root, home) = places()?;
    match agent::install::uninstall(agent, scope(global), &root, &home)
        .map_err(|e| miette::miette!(code = "diffward::hook", "{e}"))?
    {
        Some(p) => eprintln!(
            "diffward: removed its {} hook from {}",
            agent.name(),
            p.display()
        ),
        None => eprintln!("diffward: no {} hook of diffward's to remove", agent.name()),
    }
    Ok(ExitCode::SUCCESS)
}

fn scope(global: bool) -> agent::install::Scope {
    if global {
        agent::install::Scope::Global
    } else {
        agent::install::Scope::Project
    }
}

/// The project (the repository around the current folder, else the folder) and the home
/// folder.
fn places() -> miette::Result<(PathBuf, PathBuf)> {
    let cwd = std::env::current_dir()
        .map_err(|e| miette::miette!("cannot read the current folder: {e}"))?;
    let root = crate::source::git::Repo::discover(&cwd)
        .map(|r| r.root)
        .unwrap_or(cwd);
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
        .ok_or_else(|| miette::miette!("HOME is not set: cannot find the agent's user settings"))?;
    Ok((root, home))
}

fn agent_flag(agent: Agent) -> String {
    agent
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// A word for a POSIX shell: as it is when it is plain, else in single quotes.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
