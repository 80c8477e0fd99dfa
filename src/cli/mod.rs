//! The command line: clap arguments, resolved into requests before any work is done.

mod agent_hook;
mod baseline_cmd;
mod baselined;
mod hook;
mod pre_commit;
mod rules_cmd;
mod scan;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "diffward",
    version,
    about = "Reports the risk a code change introduced or removed: secrets, weakened auth, new dependencies, broad credentials, CI permissions and weakened checks.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan a change (a git range, the index, a patch, the work tree) or plain files.
    Scan(Box<ScanArgs>),
    /// List, explain, test and validate rules; print the rule file schema.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Write or refresh a baseline: the findings a repository accepts as they are, so that only
    /// new ones are reported.
    Baseline {
        #[command(subcommand)]
        command: BaselineCommand,
    },
    /// Check a coding agent's tool call before it runs: its hook payload on standard input, the
    /// answer in its protocol (see `diffward hook install --agent`).
    AgentHook(agent_hook::AgentHookArgs),
    /// Install or remove diffward as this repository's git pre-push hook, or as a coding
    /// agent's pre-tool-use hook (`--agent`).
    Hook {
        #[command(subcommand)]
        command: HookCommand,
    },
}

#[derive(Debug, Subcommand)]
enum BaselineCommand {
    /// Write FILE from a scan's findings. With no change named, the scan covers every commit up
    /// to HEAD (what a first push sends: the tree, and any secret a commit ever added).
    Create {
        /// The baseline file to write (refused when it exists: use `update`).
        file: PathBuf,
        #[command(flatten)]
        scan: Box<ScanArgs>,
    },
    /// Rewrite FILE from a new scan: keep what entries say by hand (reason, owner, expires),
    /// follow renamed files, add new findings, drop entries that cover nothing.
    Update {
        file: PathBuf,
        #[command(flatten)]
        scan: Box<ScanArgs>,
    },
}

#[derive(Debug, Subcommand)]
enum HookCommand {
    /// Write a pre-push hook that runs `diffward scan --pre-push`, or with `--agent` the
    /// agent's hook configuration that runs `diffward agent-hook` before each edit and command.
    Install {
        /// Replace an existing pre-push hook that diffward did not write.
        #[arg(long)]
        force: bool,
        /// Block the push (or the agent's call) at or above this severity.
        #[arg(long, value_enum, default_value_t = FailOn::High)]
        fail_on: FailOn,
        /// Install into this coding agent's hook settings instead of git's.
        #[arg(long, value_enum)]
        agent: Option<crate::agent::Agent>,
        /// With --agent: the user's settings (every project), not this project's.
        #[arg(long, requires = "agent")]
        global: bool,
    },
    /// Remove the hook diffward installed (git's pre-push hook, or with `--agent` its entry in
    /// the agent's settings, and nothing else).
    Uninstall {
        #[arg(long, value_enum)]
        agent: Option<crate::agent::Agent>,
        #[arg(long, requires = "agent")]
        global: bool,
    },
}

/// Severity threshold for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "lowercase")]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    Never,
}

impl FailOn {
    /// The lowest severity that fails a scan; `None` for `never`.
    pub fn threshold(self) -> Option<crate::finding::Severity> {
        use crate::finding::Severity;
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.threshold().map_or("never", |s| s.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or folders to scan whole (every line counts as added). Respects .gitignore.
    #[arg(value_name = "PATHS", conflicts_with_all = ["base", "staged", "patch"])]
    pub paths: Vec<PathBuf>,
    /// Scan the change from the merge-base of REV and the head to the head, like a pull request.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The head of the range (default HEAD).
    #[arg(long, value_name = "REV", requires = "base")]
    pub head: Option<String>,
    /// Scan the index against HEAD (what `git commit` would record).
    #[arg(long, conflicts_with_all = ["base", "patch"])]
    pub staged: bool,
    /// Scan a unified diff (`-` for standard input); the post-image is read from the work tree.
    #[arg(long, value_name = "FILE|-", conflicts_with = "base")]
    pub patch: Option<String>,
    /// Run as git's pre-push hook: read the pushed refs from standard input and scan the
    /// commits that the remote does not have yet.
    #[arg(long, num_args = 1..=2, value_names = ["REMOTE", "URL"], conflicts_with_all = ["base", "staged", "patch", "paths"])]
    pub pre_push: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Print where the scan's time went (per stage, and the slowest rules) to standard error.
    #[arg(long)]
    pub timings: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write SARIF to FILE, whatever --format says.
    #[arg(long, value_name = "FILE")]
    pub sarif_output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity is reported [default: low]. The last one
    /// given wins, so a hook's own `--fail-on` can be overridden by arguments added after it.
    #[arg(long, value_enum, overrides_with = "fail_on")]
    pub fail_on: Option<FailOn>,
    /// Findings below this confidence are reported but never fail the scan (test values,
    /// failed checksums, documentation-looking keys are `low`) [default: medium].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<crate::finding::Confidence>,
    /// Add rule files or folders (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Run only these rule ids, categories or tags (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "ID|CATEGORY|TAG")]
    pub only: Vec<String>,
    /// Skip these rule ids, categories or tags (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "ID|CATEGORY|TAG")]
    pub skip: Vec<String>,
    /// Do not load the built-in rule packs.
    #[arg(long)]
    pub no_builtin_rules: bool,
    /// Settings file [default: diffward.toml at the repository root, when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Skip files larger than this many bytes [default: 2097152].
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Leave out the findings this baseline file accepts [default: `[scan] baseline` of
    /// diffward.toml, else .diffward-baseline.toml at the repository root when present].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Use no baseline, even the default one.
    #[arg(long, conflicts_with = "baseline")]
    pub no_baseline: bool,
    /// List the baseline entries that covered no finding (`baseline update` drops them).
    #[arg(long)]
    pub report_unused: bool,
    /// Put the findings that allow comments and the baseline suppress into SARIF and JSON too,
    /// marked as suppressed (GitHub code scanning shows suppressed results as open alerts).
    #[arg(long)]
    pub include_suppressed: bool,
    /// Also write a markdown summary to FILE (appended when FILE exists, as GitHub's job
    /// summary expects).
    #[arg(long, value_name = "FILE")]
    pub summary_output: Option<PathBuf>,
    /// Run as the pre-commit framework's pre-push hook: scan the range pre-commit names in
    /// PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF (a first push: the branch's new commits), like
    /// --pre-push.
    #[arg(long, conflicts_with_all = ["base", "staged", "patch", "paths", "pre_push"])]
    pub pre_commit_push: bool,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List the rules.
    List {
        /// Rule files or folders to add to the built-in packs.
        #[arg(long = "rules", value_name = "PATH")]
        rules: Vec<PathBuf>,
    },
    /// Show a rule's documentation.
    Explain {
        id: String,
        #[arg(long = "rules", value_name = "PATH")]
        rules: Vec<PathBuf>,
    },
    /// Run every rule's examples (the built-in packs, or the rule files given).
    Test { paths: Vec<PathBuf> },
    /// Check rule files (the built-in packs when no path is given).
    Validate { paths: Vec<PathBuf> },
    /// Print the JSON Schema of rule files.
    Schema,
}

/// Parse the arguments and run; errors are rendered by the caller.
pub fn run<I, T>(args: I) -> miette::Result<ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return Ok(ExitCode::from(if e.use_stderr() { 2 } else { 0 }));
        }
    };
    match cli.command {
        Command::Scan(args) => scan::run(*args),
        Command::Baseline { command } => match command {
            BaselineCommand::Create { file, scan } => baseline_cmd::create(&file, &scan),
            BaselineCommand::Update { file, scan } => baseline_cmd::update(&file, &scan),
        },
        Command::AgentHook(a) => agent_hook::run(a),
        Command::Hook { command } => match command {
            HookCommand::Install {
                agent: Some(agent),
                global,
                fail_on,
                ..
            } => agent_hook::install(agent, global, fail_on),
            HookCommand::Install { force, fail_on, .. } => hook::install(force, fail_on),
            HookCommand::Uninstall {
                agent: Some(agent),
                global,
            } => agent_hook::uninstall(agent, global),
            HookCommand::Uninstall { .. } => hook::uninstall(),
        },
        Command::Rules { command } => match command {
            RulesCommand::List { rules } => rules_cmd::list(&rules),
            RulesCommand::Explain { id, rules } => rules_cmd::explain(&id, &rules),
            RulesCommand::Test { paths } => rules_cmd::test(&paths),
            RulesCommand::Validate { paths } => rules_cmd::validate(&paths),
            RulesCommand::Schema => {
                emit(&crate::rules::schema::json_schema());
                Ok(ExitCode::SUCCESS)
            }
        },
    }
}

/// Write command output to standard output. A reader that went away (`| head`) is not an error
/// worth a message, let alone a panic.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}
