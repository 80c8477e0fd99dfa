//! Writing an agent's hook configuration, and taking it out again.
//!
//! `install` merges one diffward hook into the agent's settings file: every other key and every
//! other hook stays as it was, a second install with the same command changes nothing, and a
//! file that is not valid JSON or not of the documented shape is refused and left untouched.
//! `uninstall` removes only diffward's own hooks, recognised by a command containing
//! `diffward agent-hook`. An event list left empty is removed, then an emptied `hooks` object;
//! a file left with nothing else in it (`{}`, or only `"version": 1`) is deleted.
//!
//! Key order: files are rewritten from a parsed `serde_json::Value`. With serde_json's
//! `preserve_order` feature off (this crate's default) the keys of a rewritten file come out
//! sorted; nothing is lost, only reordered.
//!
//! What is written, per agent (`CMD` is the command passed in):
//!
//! - Claude Code: `.claude/settings.json` (project) or `~/.claude/settings.json` (global):
//!   `{"hooks":{"PreToolUse":[{"matcher":"Write|Edit|MultiEdit|NotebookEdit|Bash|mcp__.*","hooks":[{"type":"command","command":CMD}]}]}}`.
//!   Source: "Hooks reference", <https://code.claude.com/docs/en/hooks> (settings files, matcher
//!   groups, tool names).
//! - Codex CLI: `.codex/hooks.json` or `~/.codex/hooks.json`, the same shape with matcher
//!   `Bash|apply_patch|Edit|Write` (`Edit` and `Write` are Codex's matcher aliases for
//!   `apply_patch`). Hooks are on by default since Codex 0.124; older releases need
//!   `[features] codex_hooks = true` in `~/.codex/config.toml`. Project hooks load only when the
//!   project's `.codex/` layer is trusted. Source: "Hooks",
//!   <https://developers.openai.com/codex/hooks>.
//! - Gemini CLI: `.gemini/settings.json` or `~/.gemini/settings.json`:
//!   `{"hooks":{"BeforeTool":[{"matcher":"write_file|replace|run_shell_command","hooks":[{"type":"command","command":CMD,"name":"diffward"}]}]}}`.
//!   The matcher is a regular expression on the tool name. Source: "Hooks reference",
//!   <https://geminicli.com/docs/hooks/reference>.
//! - Cursor: `.cursor/hooks.json` or `~/.cursor/hooks.json`:
//!   `{"version":1,"hooks":{"preToolUse":[{"command":CMD}]}}`. Edits and shell commands both
//!   reach `preToolUse` (`afterFileEdit` cannot refuse, `beforeShellExecution` would see shell
//!   commands a second time); no matcher, as Cursor's matcher syntax is not confirmed here, so
//!   diffward sees every tool call and lets the others through at once. Source: "Hooks",
//!   <https://cursor.com/docs/hooks> (through third-party adapters citing it).
//! - GitHub Copilot (CLI and cloud agent): its own file `.github/hooks/diffward.json` (project)
//!   or `~/.copilot/hooks/diffward.json` (global; `$COPILOT_HOME/hooks/` when that is set, which
//!   the caller resolves by passing the home to use):
//!   `{"version":1,"hooks":{"preToolUse":[{"type":"command","bash":CMD,"powershell":CMD,"matcher":"bash|powershell|create|edit|str_replace_editor|apply_patch|create_file|replace_string_in_file|multi_replace_string_in_file|insert_edit_into_file|edit_notebook_file"}]}}`.
//!   The cloud agent reads only the repository's file. Releases that predate `matcher` on
//!   `preToolUse` run the hook for every tool. Source: "GitHub Copilot hooks reference",
//!   <https://docs.github.com/en/copilot/reference/hooks-reference>, and "Using hooks with
//!   GitHub Copilot CLI" (user-level hook files).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::Agent;

/// Where the hook is written: the repository's settings or the user's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Project,
    Global,
}

/// The file an install wrote, and whether it had to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub path: PathBuf,
    pub changed: bool,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum InstallError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not valid JSON ({message}); fix it or move it away, it was left untouched", path.display())]
    Malformed { path: PathBuf, message: String },
    #[error("{} has an unexpected shape: {what}; it was left untouched", path.display())]
    Shape { path: PathBuf, what: String },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The text that marks a hook as diffward's own: the subcommand and the flag `hook install`
/// always writes, whatever the binary is called or where it lives (a quoted path with a
/// space, `diffward.exe`, a copy under another name).
const MARKER: &str = " agent-hook --agent ";

/// How an agent lays out its hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `hooks.EVENT: [{matcher, hooks: [{type, command}]}]` (Claude Code, Codex, Gemini).
    Grouped,
    /// `version: 1, hooks.EVENT: [{...command fields}]` (Cursor, Copilot).
    Flat,
}

fn layout(agent: Agent) -> Layout {
    match agent {
        Agent::ClaudeCode | Agent::Codex | Agent::Gemini => Layout::Grouped,
        Agent::Cursor | Agent::Copilot => Layout::Flat,
    }
}

fn event_name(agent: Agent) -> &'static str {
    match agent {
        Agent::ClaudeCode | Agent::Codex => "PreToolUse",
        Agent::Gemini => "BeforeTool",
        Agent::Cursor | Agent::Copilot => "preToolUse",
    }
}

/// The settings file diffward writes for `agent` in `scope`.
pub fn settings_path(agent: Agent, scope: Scope, project_root: &Path, home: &Path) -> PathBuf {
    let base = match scope {
        Scope::Project => project_root,
        Scope::Global => home,
    };
    match (agent, scope) {
        (Agent::ClaudeCode, _) => base.join(".claude").join("settings.json"),
        (Agent::Codex, _) => base.join(".codex").join("hooks.json"),
        (Agent::Gemini, _) => base.join(".gemini").join("settings.json"),
        (Agent::Cursor, _) => base.join(".cursor").join("hooks.json"),
        (Agent::Copilot, Scope::Project) => {
            base.join(".github").join("hooks").join("diffward.json")
        }
        (Agent::Copilot, Scope::Global) => {
            base.join(".copilot").join("hooks").join("diffward.json")
        }
    }
}

/// The list entry diffward adds under the agent's event.
fn entry(agent: Agent, command: &str) -> Value {
    match agent {
        Agent::ClaudeCode => json!({
            "matcher": "Write|Edit|MultiEdit|NotebookEdit|Bash|mcp__.*",
            "hooks": [{ "type": "command", "command": command }],
        }),
        Agent::Codex => json!({
            "matcher": "Bash|apply_patch|Edit|Write",
            "hooks": [{ "type": "command", "command": command }],
        }),
        Agent::Gemini => json!({
            "matcher": "write_file|replace|run_shell_command",
            "hooks": [{ "type": "command", "command": command, "name": "diffward" }],
        }),
        Agent::Cursor => json!({ "command": command }),
        Agent::Copilot => json!({
            "type": "command",
            "bash": command,
            "powershell": command,
            "matcher": "bash|powershell|create|edit|str_replace_editor|apply_patch|create_file|replace_string_in_file|multi_replace_string_in_file|insert_edit_into_file|edit_notebook_file",
        }),
    }
}

/// Writes diffward's hook for `command` into the agent's settings, merging with what is there.
pub fn install(
    agent: Agent,
    scope: Scope,
    project_root: &Path,
    home: &Path,
    command: &str,
) -> Result<Installed, InstallError> {
    let path = settings_path(agent, scope, project_root, home);
    let mut doc = load(&path)?.unwrap_or_else(|| Value::Object(Map::new()));
    let shape = |what: String| InstallError::Shape {
        path: path.clone(),
        what,
    };
    let root = doc
        .as_object_mut()
        .ok_or_else(|| shape("the top level is not an object".into()))?;
    check_shape(agent, root).map_err(shape)?;

    let wanted = entry(agent, command);
    let event = event_name(agent);
    let current = root
        .get("hooks")
        .and_then(|h| h.get(event))
        .and_then(Value::as_array);
    let ours_total: usize = current.map_or(0, |list| list.iter().map(|e| ours_in(agent, e)).sum());
    let already = current.is_some_and(|list| list.contains(&wanted)) && ours_total == 1;
    let version_ok = layout(agent) == Layout::Grouped || root.get("version") == Some(&json!(1));
    if already && version_ok {
        return Ok(Installed {
            path,
            changed: false,
        });
    }

    if layout(agent) == Layout::Flat {
        root.entry("version").or_insert(json!(1));
    }
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let list = hooks
        .as_object_mut()
        .ok_or_else(|| shape("`hooks` is not an object".into()))?
        .entry(event)
        .or_insert_with(|| Value::Array(Vec::new()));
    let list = list
        .as_array_mut()
        .ok_or_else(|| shape(format!("`hooks.{event}` is not a list")))?;
    remove_ours(agent, list);
    list.push(wanted);

    save(&path, &doc)?;
    Ok(Installed {
        path,
        changed: true,
    })
}

/// Removes diffward's hooks from the agent's settings. `Ok(None)` when there was nothing to
/// remove (no file, or no diffward hook in it); otherwise the file changed (or was deleted).
pub fn uninstall(
    agent: Agent,
    scope: Scope,
    project_root: &Path,
    home: &Path,
) -> Result<Option<PathBuf>, InstallError> {
    let path = settings_path(agent, scope, project_root, home);
    let Some(mut doc) = load(&path)? else {
        return Ok(None);
    };
    let shape = |what: String| InstallError::Shape {
        path: path.clone(),
        what,
    };
    let root = doc
        .as_object_mut()
        .ok_or_else(|| shape("the top level is not an object".into()))?;
    check_shape(agent, root).map_err(shape)?;

    let mut removed = false;
    if let Some(Value::Object(hooks)) = root.get_mut("hooks") {
        let mut emptied = Vec::new();
        // Every event, not only the one diffward installs under: a hook moved by hand to
        // another event is still diffward's.
        for (name, list) in hooks.iter_mut() {
            if let Value::Array(list) = list {
                let before = list.clone();
                remove_ours(agent, list);
                if *list != before {
                    removed = true;
                    if list.is_empty() {
                        emptied.push(name.clone());
                    }
                }
            }
        }
        for name in emptied {
            hooks.remove(&name);
        }
        if removed && hooks.is_empty() {
            root.remove("hooks");
        }
    }
    if !removed {
        return Ok(None);
    }

    let nothing_left = root.is_empty()
        || (layout(agent) == Layout::Flat && root.len() == 1 && root.get("version").is_some());
    if nothing_left {
        fs::remove_file(&path).map_err(|source| InstallError::Write {
            path: path.clone(),
            source,
        })?;
    } else {
        save(&path, &doc)?;
    }
    Ok(Some(path))
}

/// Checks the parts of the document diffward reads or writes: `hooks` an object, each event a
/// list of objects, each group's `hooks` a list of objects, a flat file's `version` 1.
fn check_shape(agent: Agent, root: &Map<String, Value>) -> Result<(), String> {
    if layout(agent) == Layout::Flat {
        if let Some(version) = root.get("version") {
            if version != &json!(1) {
                return Err(format!("`version` is {version}, diffward writes version 1"));
            }
        }
    }
    let Some(hooks) = root.get("hooks") else {
        return Ok(());
    };
    let hooks = hooks
        .as_object()
        .ok_or_else(|| "`hooks` is not an object".to_string())?;
    for (event, list) in hooks {
        // Only event lists are checked; other keys under `hooks` (flags some agents keep
        // there) are left alone.
        let Value::Array(list) = list else {
            if event == event_name(agent) {
                return Err(format!("`hooks.{event}` is not a list"));
            }
            continue;
        };
        for (i, item) in list.iter().enumerate() {
            let item = item
                .as_object()
                .ok_or_else(|| format!("`hooks.{event}[{i}]` is not an object"))?;
            if layout(agent) == Layout::Grouped {
                if let Some(inner) = item.get("hooks") {
                    let inner = inner
                        .as_array()
                        .ok_or_else(|| format!("`hooks.{event}[{i}].hooks` is not a list"))?;
                    if inner.iter().any(|h| !h.is_object()) {
                        return Err(format!("`hooks.{event}[{i}].hooks` holds a non-object"));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Whether one command entry (a group's hook, or a flat entry) is diffward's.
fn is_ours(hook: &Value) -> bool {
    ["command", "bash", "powershell"].iter().any(|key| {
        hook.get(key)
            .and_then(Value::as_str)
            .is_some_and(|c| c.contains(MARKER))
    })
}

/// How many diffward hooks one list entry holds.
fn ours_in(agent: Agent, item: &Value) -> usize {
    match layout(agent) {
        Layout::Flat => usize::from(is_ours(item)),
        Layout::Grouped => item
            .get("hooks")
            .and_then(Value::as_array)
            .map_or(0, |inner| inner.iter().filter(|h| is_ours(h)).count()),
    }
}

/// Drops diffward's hooks from an event list; a group left with no hooks is dropped too.
fn remove_ours(agent: Agent, list: &mut Vec<Value>) {
    match layout(agent) {
        Layout::Flat => list.retain(|item| !is_ours(item)),
        Layout::Grouped => list.retain_mut(|item| {
            let Some(Value::Array(inner)) = item.get_mut("hooks") else {
                return true;
            };
            let before = inner.len();
            inner.retain(|h| !is_ours(h));
            !(inner.is_empty() && before > 0)
        }),
    }
}

/// The parsed file, `None` when it does not exist; an empty file reads as `{}`.
fn load(path: &Path) -> Result<Option<Value>, InstallError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(InstallError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim().is_empty() {
        return Ok(Some(Value::Object(Map::new())));
    }
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| InstallError::Malformed {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// Writes the document, pretty-printed, through a temporary file renamed over the target (the
/// target of a symbolic link, when the path is one), keeping the old file's permissions.
fn save(path: &Path, doc: &Value) -> Result<(), InstallError> {
    let err = |source| InstallError::Write {
        path: path.to_path_buf(),
        source,
    };
    let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = target
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    fs::create_dir_all(&dir).map_err(err)?;
    let mut text = serde_json::to_string_pretty(doc).map_err(|e| err(std::io::Error::other(e)))?;
    text.push('\n');
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "settings.json".into());
    let tmp = dir.join(format!(".{name}.diffward-{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if let Ok(meta) = fs::metadata(&target) {
            fs::set_permissions(&tmp, meta.permissions())?;
        }
        fs::rename(&tmp, &target)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMD: &str = "/opt/bin/diffward agent-hook --agent claude-code";

    const ALL: [Agent; 5] = [
        Agent::ClaudeCode,
        Agent::Codex,
        Agent::Gemini,
        Agent::Cursor,
        Agent::Copilot,
    ];

    struct Dirs {
        _tmp: tempfile::TempDir,
        root: PathBuf,
        home: PathBuf,
    }

    fn dirs() -> Dirs {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("repo");
        let home = tmp.path().join("home");
        fs::create_dir_all(&root).unwrap();
        fs::create_dir_all(&home).unwrap();
        Dirs {
            _tmp: tmp,
            root,
            home,
        }
    }

    fn read(path: &Path) -> Value {
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn expected(agent: Agent) -> Value {
        match agent {
            Agent::ClaudeCode => json!({"hooks": {"PreToolUse": [{
                "matcher": "Write|Edit|MultiEdit|NotebookEdit|Bash|mcp__.*",
                "hooks": [{"type": "command", "command": CMD}],
            }]}}),
            Agent::Codex => json!({"hooks": {"PreToolUse": [{
                "matcher": "Bash|apply_patch|Edit|Write",
                "hooks": [{"type": "command", "command": CMD}],
            }]}}),
            Agent::Gemini => json!({"hooks": {"BeforeTool": [{
                "matcher": "write_file|replace|run_shell_command",
                "hooks": [{"type": "command", "command": CMD, "name": "diffward"}],
            }]}}),
            Agent::Cursor => json!({"version": 1, "hooks": {"preToolUse": [{"command": CMD}]}}),
            Agent::Copilot => json!({"version": 1, "hooks": {"preToolUse": [{
                "type": "command",
                "bash": CMD,
                "powershell": CMD,
                "matcher": "bash|powershell|create|edit|str_replace_editor|apply_patch|create_file|replace_string_in_file|multi_replace_string_in_file|insert_edit_into_file|edit_notebook_file",
            }]}}),
        }
    }

    #[test]
    fn fresh_install_per_agent_and_scope() {
        let cases: [(Agent, &str, &str); 5] = [
            (
                Agent::ClaudeCode,
                ".claude/settings.json",
                ".claude/settings.json",
            ),
            (Agent::Codex, ".codex/hooks.json", ".codex/hooks.json"),
            (
                Agent::Gemini,
                ".gemini/settings.json",
                ".gemini/settings.json",
            ),
            (Agent::Cursor, ".cursor/hooks.json", ".cursor/hooks.json"),
            (
                Agent::Copilot,
                ".github/hooks/diffward.json",
                ".copilot/hooks/diffward.json",
            ),
        ];
        for (agent, project, global) in cases {
            for (scope, rel) in [(Scope::Project, project), (Scope::Global, global)] {
                let d = dirs();
                let base = if scope == Scope::Project {
                    &d.root
                } else {
                    &d.home
                };
                let got = install(agent, scope, &d.root, &d.home, CMD).unwrap();
                assert_eq!(got.path, base.join(rel), "{agent:?} {scope:?}");
                assert!(got.changed);
                assert_eq!(read(&got.path), expected(agent), "{agent:?} {scope:?}");
                let text = fs::read_to_string(&got.path).unwrap();
                assert!(text.ends_with("}\n"));
                // Nothing written on the other side.
                let other = if scope == Scope::Project {
                    &d.home
                } else {
                    &d.root
                };
                assert_eq!(fs::read_dir(other).unwrap().count(), 0);
            }
        }
    }

    #[test]
    fn second_install_changes_nothing() {
        for agent in ALL {
            let d = dirs();
            let first = install(agent, Scope::Project, &d.root, &d.home, CMD).unwrap();
            let before = fs::read(&first.path).unwrap();
            let again = install(agent, Scope::Project, &d.root, &d.home, CMD).unwrap();
            assert_eq!(again.path, first.path);
            assert!(!again.changed, "{agent:?}");
            assert_eq!(fs::read(&first.path).unwrap(), before);
        }
    }

    #[test]
    fn new_command_replaces_the_old_one() {
        let d = dirs();
        install(Agent::ClaudeCode, Scope::Project, &d.root, &d.home, CMD).unwrap();
        let newer = "/usr/local/bin/diffward agent-hook --agent claude-code";
        let got = install(Agent::ClaudeCode, Scope::Project, &d.root, &d.home, newer).unwrap();
        assert!(got.changed);
        let v = read(&got.path);
        let list = v["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["hooks"][0]["command"], newer);
    }

    #[test]
    fn merge_keeps_other_keys_and_hooks_claude() {
        let d = dirs();
        let path = d.root.join(".claude/settings.json");
        write(
            &path,
            r#"{
  "permissions": {"allow": ["Bash(npm test)"], "deny": ["Read(./.env)"]},
  "model": "opus",
  "hooks": {
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh", "timeout": 5}]}],
    "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]
  }
}"#,
        );
        let got = install(Agent::ClaudeCode, Scope::Project, &d.root, &d.home, CMD).unwrap();
        assert!(got.changed);
        let v = read(&path);
        assert_eq!(v["model"], "opus");
        assert_eq!(v["permissions"]["deny"][0], "Read(./.env)");
        assert_eq!(v["hooks"]["Stop"][0]["hooks"][0]["command"], "say done");
        let pre = v["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(pre.len(), 2);
        assert_eq!(pre[0]["hooks"][0]["command"], "guard.sh");
        assert_eq!(pre[0]["hooks"][0]["timeout"], 5);
        assert_eq!(
            pre[1],
            expected(Agent::ClaudeCode)["hooks"]["PreToolUse"][0]
        );

        // Uninstall gives back the original document.
        let removed = uninstall(Agent::ClaudeCode, Scope::Project, &d.root, &d.home).unwrap();
        assert_eq!(removed, Some(path.clone()));
        let back = read(&path);
        assert_eq!(
            back,
            json!({
                "permissions": {"allow": ["Bash(npm test)"], "deny": ["Read(./.env)"]},
                "model": "opus",
                "hooks": {
                    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh", "timeout": 5}]}],
                    "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]
                }
            })
        );
    }

    #[test]
    fn merge_keeps_other_keys_and_hooks_gemini() {
        let d = dirs();
        let path = d.home.join(".gemini/settings.json");
        write(
            &path,
            r#"{"theme": "GitHub", "hooks": {"AfterTool": [{"matcher": "read_file", "hooks": [{"type": "command", "command": "log.sh"}]}]}, "hooksConfig": {"enabled": true}}"#,
        );
        install(Agent::Gemini, Scope::Global, &d.root, &d.home, CMD).unwrap();
        let v = read(&path);
        assert_eq!(v["theme"], "GitHub");
        assert_eq!(v["hooksConfig"]["enabled"], true);
        assert_eq!(v["hooks"]["AfterTool"][0]["hooks"][0]["command"], "log.sh");
        assert_eq!(
            v["hooks"]["BeforeTool"],
            expected(Agent::Gemini)["hooks"]["BeforeTool"]
        );
    }

    #[test]
    fn merge_keeps_other_hooks_cursor_and_copilot() {
        let d = dirs();
        let cursor = d.root.join(".cursor/hooks.json");
        write(
            &cursor,
            r#"{"version": 1, "hooks": {"preToolUse": [{"command": "./audit.sh", "matcher": "Shell"}], "afterFileEdit": [{"command": "fmt.sh"}]}}"#,
        );
        install(Agent::Cursor, Scope::Project, &d.root, &d.home, CMD).unwrap();
        let v = read(&cursor);
        assert_eq!(
            v["hooks"]["preToolUse"],
            json!([{"command": "./audit.sh", "matcher": "Shell"}, {"command": CMD}])
        );
        assert_eq!(v["hooks"]["afterFileEdit"][0]["command"], "fmt.sh");

        let copilot = d.root.join(".github/hooks/diffward.json");
        write(
            &copilot,
            r#"{"version": 1, "disableAllHooks": false, "hooks": {"postToolUse": [{"type": "command", "bash": "log.sh"}]}}"#,
        );
        install(Agent::Copilot, Scope::Project, &d.root, &d.home, CMD).unwrap();
        let v = read(&copilot);
        assert_eq!(v["disableAllHooks"], false);
        assert_eq!(v["hooks"]["postToolUse"][0]["bash"], "log.sh");
        assert_eq!(
            v["hooks"]["preToolUse"],
            expected(Agent::Copilot)["hooks"]["preToolUse"]
        );
    }

    #[test]
    fn uninstall_leaves_others_and_drops_empty_parts() {
        let d = dirs();
        let path = d.root.join(".codex/hooks.json");
        write(
            &path,
            r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
                {"type": "command", "command": "other-check"},
                {"type": "command", "command": "diffward agent-hook --agent codex"}
            ]}], "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}]}}"#,
        );
        install(Agent::Codex, Scope::Project, &d.root, &d.home, CMD).unwrap();
        // The hand-added diffward hook was replaced by the installed one.
        let v = read(&path);
        assert_eq!(
            v["hooks"]["PreToolUse"][0]["hooks"],
            json!([{"type": "command", "command": "other-check"}])
        );
        assert_eq!(
            uninstall(Agent::Codex, Scope::Project, &d.root, &d.home).unwrap(),
            Some(path.clone())
        );
        assert_eq!(
            read(&path),
            json!({"hooks": {
                "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "other-check"}]}],
                "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}]
            }})
        );
        // Nothing left to remove.
        assert_eq!(
            uninstall(Agent::Codex, Scope::Project, &d.root, &d.home).unwrap(),
            None
        );
    }

    #[test]
    fn uninstall_deletes_a_file_left_empty() {
        for agent in ALL {
            let d = dirs();
            let got = install(agent, Scope::Global, &d.root, &d.home, CMD).unwrap();
            let removed = uninstall(agent, Scope::Global, &d.root, &d.home).unwrap();
            assert_eq!(removed, Some(got.path.clone()), "{agent:?}");
            assert!(!got.path.exists(), "{agent:?}");
        }
    }

    #[test]
    fn uninstall_without_file_is_nothing() {
        let d = dirs();
        for agent in ALL {
            assert_eq!(
                uninstall(agent, Scope::Project, &d.root, &d.home).unwrap(),
                None
            );
        }
    }

    #[test]
    fn uninstall_keeps_file_with_other_content() {
        let d = dirs();
        let path = d.root.join(".claude/settings.json");
        write(&path, r#"{"model": "opus"}"#);
        install(Agent::ClaudeCode, Scope::Project, &d.root, &d.home, CMD).unwrap();
        uninstall(Agent::ClaudeCode, Scope::Project, &d.root, &d.home).unwrap();
        assert_eq!(read(&path), json!({"model": "opus"}));
    }

    #[test]
    fn malformed_file_is_refused_and_untouched() {
        let bad = [
            ("{\"hooks\": {", "not valid JSON"),
            ("[1, 2]", "top level is not an object"),
            (r#"{"hooks": []}"#, "`hooks` is not an object"),
            (
                r#"{"hooks": {"PreToolUse": {"matcher": "x"}}}"#,
                "is not a list",
            ),
            (r#"{"hooks": {"PreToolUse": ["echo"]}}"#, "is not an object"),
            (
                r#"{"hooks": {"PreToolUse": [{"hooks": "echo"}]}}"#,
                "is not a list",
            ),
        ];
        for (text, why) in bad {
            let d = dirs();
            let path = d.root.join(".claude/settings.json");
            write(&path, text);
            let err =
                install(Agent::ClaudeCode, Scope::Project, &d.root, &d.home, CMD).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(why), "{text}: {msg}");
            assert!(msg.contains("left untouched"), "{msg}");
            assert_eq!(fs::read_to_string(&path).unwrap(), text);
            assert!(uninstall(Agent::ClaudeCode, Scope::Project, &d.root, &d.home).is_err());
            assert_eq!(fs::read_to_string(&path).unwrap(), text);
        }
        // A flat file with another version is refused too.
        let d = dirs();
        let path = d.root.join(".cursor/hooks.json");
        write(&path, r#"{"version": 2, "hooks": {}}"#);
        let err = install(Agent::Cursor, Scope::Project, &d.root, &d.home, CMD).unwrap_err();
        assert!(matches!(err, InstallError::Shape { .. }), "{err}");
    }

    #[test]
    fn empty_file_reads_as_empty_settings() {
        let d = dirs();
        let path = d.root.join(".gemini/settings.json");
        write(&path, "\n");
        let got = install(Agent::Gemini, Scope::Project, &d.root, &d.home, CMD).unwrap();
        assert!(got.changed);
        assert_eq!(read(&path), expected(Agent::Gemini));
    }

    #[test]
    fn cursor_without_version_gets_one() {
        let d = dirs();
        let path = d.home.join(".cursor/hooks.json");
        write(&path, r#"{"hooks": {"stop": [{"command": "bye"}]}}"#);
        install(Agent::Cursor, Scope::Global, &d.root, &d.home, CMD).unwrap();
        let v = read(&path);
        assert_eq!(v["version"], 1);
        assert_eq!(v["hooks"]["stop"][0]["command"], "bye");
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_settings_are_written_through_the_link() {
        let d = dirs();
        let real = d.home.join("dotfiles/claude.json");
        write(&real, r#"{"model": "opus"}"#);
        let link = d.home.join(".claude/settings.json");
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        install(Agent::ClaudeCode, Scope::Global, &d.root, &d.home, CMD).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(read(&real)["model"], "opus");
        assert!(read(&real)["hooks"]["PreToolUse"].is_array());
    }
}
