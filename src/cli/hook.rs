//! `diffward hook install|uninstall`: diffward as the repository's git pre-push hook.

use std::path::PathBuf;
use std::process::ExitCode;

use miette::{Context, IntoDiagnostic};

use super::FailOn;
use crate::source::git::Repo;

/// Marks a hook file as diffward's, so uninstall and reinstall never touch anyone else's.
const MARKER: &str = "# installed by `diffward hook install`";

fn hook_path() -> miette::Result<PathBuf> {
    let cwd = std::env::current_dir().into_diagnostic()?;
    let repo = Repo::discover(&cwd)?;
    // Honours core.hooksPath and linked work trees.
    let out = repo
        .git
        .command_seeing_hooks_path(&["rev-parse", "--git-path", "hooks/pre-push"])
        .output()
        .into_diagnostic()
        .wrap_err("could not run git")?;
    let rel = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || rel.is_empty() {
        miette::bail!("git could not tell where this repository's hooks live");
    }
    Ok(repo.root.join(rel))
}

pub fn install(force: bool, fail_on: FailOn) -> miette::Result<ExitCode> {
    let path = hook_path()?;
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if !existing.contains(MARKER) && !force {
            return Err(miette::miette!(
                code = "diffward::hook",
                help = "add `diffward scan --pre-push \"$1\" \"$2\"` to it yourself, or pass --force to replace it",
                "{} already exists and was not written by diffward",
                path.display()
            ));
        }
    }
    // The binary is recorded by its absolute path: a hook that looks diffward up on PATH fails
    // every push (or, worse, runs another program) once PATH differs.
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "diffward".into());
    let script = hook_script(&exe, fail_on.as_str());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).into_diagnostic()?;
    }
    std::fs::write(&path, script)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .into_diagnostic()?;
    }
    super::emit(&format!(
        "installed the pre-push hook at {}\n",
        path.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `'…'` for sh, whatever the text holds.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn hook_script(exe: &str, fail_on: &str) -> String {
    format!(
        r#"#!/bin/sh
{MARKER}
# Scans the commits being pushed; a finding at or above `{fail_on}` stops the push.
# Skip once with `git push --no-verify`.
diffward={exe}
if [ ! -x "$diffward" ]; then
  diffward=$(command -v diffward) || {{
    echo "diffward pre-push hook: diffward is no longer at "{exe}" nor on PATH." >&2
    echo "Reinstall it and run 'diffward hook install --force' (or 'diffward hook uninstall');" >&2
    echo "'git push --no-verify' skips the check once." >&2
    exit 1
  }}
fi
exec "$diffward" scan --pre-push "$1" "$2" --fail-on {fail_on}
"#,
        exe = sh_quote(exe)
    )
}

pub fn uninstall() -> miette::Result<ExitCode> {
    let path = hook_path()?;
    match std::fs::read_to_string(&path) {
        Ok(text) if text.contains(MARKER) => {
            std::fs::remove_file(&path).into_diagnostic()?;
            super::emit(&format!("removed {}\n", path.display()));
        }
        Ok(_) => miette::bail!(
            "{} was not written by diffward: left as it is",
            path.display()
        ),
        Err(_) => super::emit("no pre-push hook to remove\n"),
    }
    Ok(ExitCode::SUCCESS)
}
