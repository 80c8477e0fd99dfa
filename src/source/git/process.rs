//! The one place that starts git. Nothing the scanned repository (or the user's git config)
//! configures may run while diffward reads a change, because the change may come from an
//! attacker (a pull request from a fork) and its `.gitattributes` can bind any file to any
//! driver the machine has configured (git-lfs, a textconv, a clean filter).
//!
//! Every git process gets, by construction:
//! - `-c` overrides that blank every configured filter driver (`clean`, `smudge`, `process`,
//!   `required=false`) and diff driver (`textconv`, `command`), found once per repository with
//!   `git config --get-regexp` (reading config runs nothing);
//! - no fsmonitor, no hooks (`core.hooksPath` pointed at an empty path), no external diff, no
//!   pager, no signature checks (`log.showSignature=false`, `gpg.program` a command that fails),
//!   no credential helper or askpass prompt, no optional locks (so no index refresh is written);
//! - standard input closed, a fixed locale, and none of the `GIT_*` variables that point git at
//!   another repository or another program.
//!
//! Callers add the per-command flags (`--no-ext-diff --no-textconv`, `--no-show-signature`).
//! `clippy.toml` forbids `std::process::Command::new` elsewhere in the crate.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};

/// Settings that neutralise what a repository or user config could run.
const FIXED_OVERRIDES: &[&str] = &[
    "core.fsmonitor=false",
    "core.quotepath=false",
    "core.pager=cat",
    "core.hooksPath=/dev/null",
    "core.askPass=",
    "core.sshCommand=false",
    "core.untrackedCache=false",
    "core.attributesFile=/dev/null",
    "diff.external=",
    "log.showSignature=false",
    "gpg.program=false",
    "gpg.ssh.program=false",
    "gpg.x509.program=false",
    "credential.helper=",
    "protocol.allow=never",
];

/// Environment variables that redirect git or make it run something.
const CLEARED_ENV: &[&str] = &[
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
    "GIT_PAGER",
    "PAGER",
    "GIT_EDITOR",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "GIT_TRACE",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
];

/// How to start git in one repository: the folder and the driver overrides found there.
#[derive(Debug, Clone)]
pub struct GitProcess {
    dir: PathBuf,
    /// The `-c` overrides for the drivers configured here, listed on the first command that
    /// needs them (shared by the runners `in_dir` makes).
    drivers: Arc<OnceLock<Vec<String>>>,
}

impl GitProcess {
    /// A git runner for `dir` that blanks every filter and diff driver configured for it.
    pub fn new(dir: &Path) -> GitProcess {
        GitProcess {
            dir: dir.to_path_buf(),
            drivers: Arc::new(OnceLock::new()),
        }
    }

    fn drivers(&self) -> &[String] {
        self.drivers.get_or_init(|| {
            let listed = self
                .build(
                    &[
                        "config",
                        "--null",
                        "--name-only",
                        "--get-regexp",
                        r"^(filter|diff|merge)\.",
                    ],
                    Drivers::NotNeeded,
                )
                .stderr(Stdio::null())
                .output();
            match listed {
                Ok(out) => driver_overrides(&String::from_utf8_lossy(&out.stdout)),
                Err(_) => Vec::new(),
            }
        })
    }

    /// The same overrides, for git run in another folder of the repository (its top level).
    pub fn in_dir(&self, dir: &Path) -> GitProcess {
        GitProcess {
            dir: dir.to_path_buf(),
            drivers: Arc::clone(&self.drivers),
        }
    }

    /// `git <args>` in the repository, with every override, ready to spawn. Commands that read
    /// only refs, commits and trees (never a file's content, so no driver can run) skip listing
    /// the drivers: finding a repository or resolving a revision costs one process, not two.
    pub fn command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        const CONTENT_FREE: [&str; 4] = ["rev-parse", "merge-base", "symbolic-ref", "rev-list"];
        let first = args
            .first()
            .map(|a| a.as_ref().to_string_lossy().into_owned());
        let drivers = match first {
            Some(cmd) if CONTENT_FREE.contains(&cmd.as_str()) => Drivers::NotNeeded,
            _ => Drivers::Blanked,
        };
        self.build(args, drivers)
    }

    /// Like `command`, but git sees the repository's own `core.hooksPath`: only for asking git
    /// where the hooks live (`diffward hook install`), never for reading a change.
    pub fn command_seeing_hooks_path<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        self.build(args, Drivers::BlankedSeeingHooks)
    }

    fn build<S: AsRef<std::ffi::OsStr>>(&self, args: &[S], drivers: Drivers) -> Command {
        #[allow(clippy::disallowed_methods)] // the one place that spawns git
        let mut c = Command::new("git");
        c.current_dir(&self.dir);
        c.arg("--no-pager");
        for o in FIXED_OVERRIDES {
            if drivers == Drivers::BlankedSeeingHooks && o.starts_with("core.hooksPath=") {
                continue;
            }
            c.arg("-c").arg(o);
        }
        if drivers != Drivers::NotNeeded {
            for o in self.drivers() {
                c.arg("-c").arg(o);
            }
        }
        c.args(args)
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_NO_REPLACE_OBJECTS", "1")
            .env("LC_ALL", "C")
            .stdin(Stdio::null());
        for v in CLEARED_ENV {
            c.env_remove(v);
        }
        c
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drivers {
    /// The command cannot read a file's content (listing the drivers, `rev-parse`).
    NotNeeded,
    Blanked,
    BlankedSeeingHooks,
}

/// Blank settings for every driver named in `git config --null --name-only` output
/// (`filter.lfs.clean\0diff.x.textconv\0…`).
fn driver_overrides(names: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for name in names.split(['\0', '\n']).filter(|n| !n.is_empty()) {
        let Some((section, rest)) = name.split_once('.') else {
            continue;
        };
        // The driver is the subsection: everything between the section and the last dot.
        let Some((driver, _key)) = rest.rsplit_once('.') else {
            continue;
        };
        if driver.contains('=') || !seen.insert((section.to_string(), driver.to_string())) {
            continue;
        }
        let keys: &[&str] = match section {
            "filter" => &["clean=", "smudge=", "process=", "required=false"],
            "diff" => &["textconv=", "command=", "cachetextconv=false"],
            "merge" => &["driver="],
            _ => &[],
        };
        for k in keys {
            out.push(format!("{section}.{driver}.{k}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_configured_driver_is_blanked() {
        let o = driver_overrides("filter.lfs.clean\0filter.lfs.process\0diff.my.drv.textconv\0");
        assert!(o.contains(&"filter.lfs.clean=".to_string()));
        assert!(o.contains(&"filter.lfs.process=".to_string()));
        assert!(o.contains(&"filter.lfs.required=false".to_string()));
        assert!(o.contains(&"diff.my.drv.textconv=".to_string()));
        assert_eq!(o.iter().filter(|s| s.starts_with("filter.lfs.")).count(), 4);
    }
}
