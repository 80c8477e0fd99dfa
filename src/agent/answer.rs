//! Answering an agent in its own hook protocol.
//!
//! Every answer exits 0. A refusal is the agent's documented JSON decision on standard output,
//! because that form carries a reason to the model and, where the agent has one, a separate
//! message to the person watching; an exit code of 2 carries only one text. Letting a call
//! through is exit 0 with nothing on standard output: diffward never answers "allow" outright,
//! so the agent's own permission rules and prompts still apply as if no hook had run.
//!
//! The protocols, as their documentation states them (checked against the pages named):
//!
//! | Agent | Refusal on stdout (exit 0) | Model-facing context on allow |
//! |---|---|---|
//! | Claude Code | `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":R},"systemMessage":U}` | `hookSpecificOutput.additionalContext` |
//! | Codex CLI | same shape as Claude Code (its output schema rejects unknown keys) | `hookSpecificOutput.additionalContext` |
//! | Gemini CLI | `{"decision":"deny","reason":R,"systemMessage":U}` | none documented for `BeforeTool`: stderr only |
//! | Cursor | `{"permission":"deny","user_message":U,"agent_message":R}` | none documented: stderr only |
//! | GitHub Copilot | `{"permissionDecision":"deny","permissionDecisionReason":R}` | none documented for command hooks: stderr only |
//!
//! `R` is the reason for the model, `U` a one-line message for the user.
//!
//! Exit codes other than 0, for reference: Claude Code, Codex CLI and Gemini CLI block on exit 2
//! (stderr becomes the reason) and let the call through on any other non-zero code; Copilot CLI
//! denies a `preToolUse` call on any non-zero exit but lets it through on a timeout. So a
//! fail-open answer must exit 0 as well, with its message on stderr.
//!
//! Sources:
//! - Claude Code: "Hooks reference", <https://code.claude.com/docs/en/hooks> (PreToolUse decision
//!   control, exit code 2 behaviour, `systemMessage`).
//! - Codex CLI: "Hooks", <https://developers.openai.com/codex/hooks>, and the output schema
//!   `codex-rs/hooks/schema/generated/pre-tool-use.command.output.schema.json` and parser
//!   `codex-rs/hooks/src/events/pre_tool_use.rs` in the openai/codex repository (deny via
//!   `permissionDecision`, exit 2 with stderr blocks, other codes fail open, unknown keys are
//!   rejected).
//! - Gemini CLI: "Hooks reference", <https://geminicli.com/docs/hooks/reference> (`BeforeTool`:
//!   `decision`, `reason` sent to the agent, `systemMessage` shown to the user, exit 2), and
//!   `packages/core/src/hooks/hookRunner.ts` in google-gemini/gemini-cli (stdout is parsed only
//!   when it is not blank, so a silent exit 0 is a plain allow).
//! - Cursor: "Hooks", <https://cursor.com/docs/hooks> (`preToolUse` answers `permission`,
//!   `user_message`, `agent_message`); not read first-hand here, the field names were confirmed
//!   through third-party adapters that cite that page.
//! - GitHub Copilot: "GitHub Copilot hooks reference",
//!   <https://docs.github.com/en/copilot/reference/hooks-reference> (`preToolUse` decision
//!   control; command hooks fail closed on a non-zero exit, open on a timeout).

use serde_json::{json, Map, Value};

use super::{Agent, Decision};

/// What `diffward agent-hook` prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// The longest reason sent back (in characters). Claude Code caps hook output at about 10,000
/// characters and Copilot caps context at 10 KB; a longer report is cut with a note.
const MAX_REASON_CHARS: usize = 8_000;

/// Answers a decision about one tool call. `event` is the hook event's name as the payload gave
/// it (repeated where the protocol asks for it); `context` is text for the model when the call is
/// let through (ignored where the agent documents no channel for it, and then put on stderr).
pub fn render(agent: Agent, event: &str, d: &Decision, context: Option<&str>) -> Answer {
    if d.deny {
        let reason = if d.reason.trim().is_empty() {
            "diffward refused this change (no details were given).".to_string()
        } else {
            d.reason.clone()
        };
        deny(agent, event, &reason, context)
    } else {
        allow(agent, event, context)
    }
}

/// Answers when diffward could not decide (a payload it cannot read, a file it cannot open).
/// Closed: a refusal saying so and how to fix the hook. Open: the call goes through, with the
/// message on stderr for the hook's log.
pub fn failure(agent: Agent, event: &str, message: &str, fail_closed: bool) -> Answer {
    let message = message.trim();
    if fail_closed {
        let reason = format!(
            "diffward could not check this change, so it was refused: {message}. \
             Check that the hook command runs `diffward agent-hook --agent {}` from a \
             diffward that can read this repository; to let changes through when diffward \
             cannot check them, add `--on-error open` to it.",
            agent_flag(agent)
        );
        let mut answer = deny(agent, event, &reason, None);
        answer.stderr = format!("diffward: could not check the change: {message}\n");
        answer
    } else {
        Answer {
            code: 0,
            stdout: String::new(),
            stderr: format!("diffward: could not check the change, let it through: {message}\n"),
        }
    }
}

/// The `--agent` value that names `agent` on the command line.
fn agent_flag(agent: Agent) -> &'static str {
    match agent {
        Agent::ClaudeCode => "claude-code",
        Agent::Codex => "codex",
        Agent::Gemini => "gemini",
        Agent::Cursor => "cursor",
        Agent::Copilot => "copilot",
    }
}

/// The event name to repeat in a Claude-style answer: as sent, or the one diffward installs.
fn claude_event(event: &str) -> &str {
    if event.trim().is_empty() {
        "PreToolUse"
    } else {
        event
    }
}

fn deny(agent: Agent, event: &str, reason: &str, context: Option<&str>) -> Answer {
    let reason = clip(reason);
    let user = user_message(&reason);
    let value = match agent {
        Agent::ClaudeCode | Agent::Codex => {
            let mut specific = Map::new();
            specific.insert("hookEventName".into(), json!(claude_event(event)));
            specific.insert("permissionDecision".into(), json!("deny"));
            specific.insert("permissionDecisionReason".into(), json!(reason));
            if let Some(ctx) = non_empty(context) {
                specific.insert("additionalContext".into(), json!(clip(ctx)));
            }
            json!({ "hookSpecificOutput": Value::Object(specific), "systemMessage": user })
        }
        Agent::Gemini => json!({ "decision": "deny", "reason": reason, "systemMessage": user }),
        Agent::Cursor => json!({
            "permission": "deny",
            "user_message": user,
            "agent_message": reason,
        }),
        Agent::Copilot => {
            let mut out = Map::new();
            out.insert("permissionDecision".into(), json!("deny"));
            out.insert("permissionDecisionReason".into(), json!(reason));
            // A hook registered under the VS Code-compatible event name `PreToolUse` is fed
            // Claude-style input; answer in that form too, next to the native fields.
            if event == "PreToolUse" {
                out.insert(
                    "hookSpecificOutput".into(),
                    json!({
                        "hookEventName": "PreToolUse",
                        "permissionDecision": "deny",
                        "permissionDecisionReason": reason,
                    }),
                );
            }
            Value::Object(out)
        }
    };
    Answer {
        code: 0,
        stdout: one_line(&value),
        stderr: String::new(),
    }
}

fn allow(agent: Agent, event: &str, context: Option<&str>) -> Answer {
    let Some(ctx) = non_empty(context) else {
        return Answer {
            code: 0,
            stdout: String::new(),
            stderr: String::new(),
        };
    };
    match agent {
        // No `permissionDecision`: an explicit "allow" would skip the user's own prompt.
        Agent::ClaudeCode | Agent::Codex => Answer {
            code: 0,
            stdout: one_line(&json!({
                "hookSpecificOutput": {
                    "hookEventName": claude_event(event),
                    "additionalContext": clip(ctx),
                }
            })),
            stderr: String::new(),
        },
        Agent::Gemini | Agent::Cursor | Agent::Copilot => Answer {
            code: 0,
            stdout: String::new(),
            stderr: format!("diffward: {}\n", ctx.trim_end()),
        },
    }
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.trim().is_empty())
}

/// The first non-empty line of the reason, prefixed, for the person watching.
fn user_message(reason: &str) -> String {
    let first = reason
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    // A reason from `decide` already opens with the same words: say them once.
    let first = first
        .strip_prefix("diffward refused this change: ")
        .unwrap_or(first);
    format!("diffward refused the change: {first}")
}

/// At most `MAX_REASON_CHARS` characters, cut on a character boundary with a note.
fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_REASON_CHARS) {
        None => text.to_string(),
        Some((at, _)) => format!(
            "{}\n[diffward: the rest of this report was cut]",
            &text[..at]
        ),
    }
}

/// One line of JSON with a trailing newline. Serializing a `Value` cannot fail; the fallback
/// only keeps this free of panics.
fn one_line(value: &Value) -> String {
    let mut text = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Agent; 5] = [
        Agent::ClaudeCode,
        Agent::Codex,
        Agent::Gemini,
        Agent::Cursor,
        Agent::Copilot,
    ];

    fn denied(reason: &str) -> Decision {
        Decision {
            deny: true,
            reason: reason.to_string(),
        }
    }

    fn allowed() -> Decision {
        Decision {
            deny: false,
            reason: String::new(),
        }
    }

    /// Parses the answer's stdout, checking it is exactly one line of JSON.
    fn parsed(answer: &Answer) -> Value {
        assert!(answer.stdout.ends_with('\n'), "{:?}", answer.stdout);
        assert_eq!(
            answer.stdout.trim_end().lines().count(),
            1,
            "{:?}",
            answer.stdout
        );
        serde_json::from_str(answer.stdout.trim_end()).expect("valid JSON")
    }

    const REASON: &str = "src/app.py:3: hard-coded secret \"AKIA****\"\nremove it";

    #[test]
    fn claude_code_deny() {
        let a = render(Agent::ClaudeCode, "PreToolUse", &denied(REASON), None);
        assert_eq!(a.code, 0);
        assert_eq!(
            parsed(&a),
            json!({
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": "deny",
                    "permissionDecisionReason": REASON,
                },
                "systemMessage": "diffward refused the change: src/app.py:3: hard-coded secret \"AKIA****\"",
            })
        );
    }

    #[test]
    fn codex_deny_uses_only_schema_keys() {
        let a = render(Agent::Codex, "PreToolUse", &denied(REASON), Some("note"));
        let v = parsed(&a);
        let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        for key in &top {
            assert!(
                [
                    "continue",
                    "hookSpecificOutput",
                    "stopReason",
                    "suppressOutput",
                    "systemMessage"
                ]
                .contains(key),
                "{key}"
            );
        }
        let specific = &v["hookSpecificOutput"];
        assert_eq!(specific["permissionDecision"], "deny");
        assert_eq!(specific["permissionDecisionReason"], REASON);
        assert_eq!(specific["additionalContext"], "note");
        assert_eq!(specific["hookEventName"], "PreToolUse");
    }

    #[test]
    fn gemini_deny() {
        let a = render(Agent::Gemini, "BeforeTool", &denied(REASON), None);
        assert_eq!(a.code, 0);
        assert_eq!(
            parsed(&a),
            json!({
                "decision": "deny",
                "reason": REASON,
                "systemMessage": "diffward refused the change: src/app.py:3: hard-coded secret \"AKIA****\"",
            })
        );
    }

    #[test]
    fn cursor_deny() {
        let a = render(Agent::Cursor, "preToolUse", &denied(REASON), None);
        assert_eq!(a.code, 0);
        assert_eq!(
            parsed(&a),
            json!({
                "permission": "deny",
                "user_message": "diffward refused the change: src/app.py:3: hard-coded secret \"AKIA****\"",
                "agent_message": REASON,
            })
        );
    }

    #[test]
    fn copilot_deny() {
        let a = render(Agent::Copilot, "preToolUse", &denied(REASON), None);
        assert_eq!(a.code, 0);
        assert_eq!(
            parsed(&a),
            json!({ "permissionDecision": "deny", "permissionDecisionReason": REASON })
        );
    }

    #[test]
    fn copilot_deny_for_vscode_style_event_carries_both_forms() {
        let v = parsed(&render(Agent::Copilot, "PreToolUse", &denied("no"), None));
        assert_eq!(v["permissionDecision"], "deny");
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
        assert_eq!(v["hookSpecificOutput"]["permissionDecisionReason"], "no");
    }

    #[test]
    fn allow_without_context_is_silent_for_every_agent() {
        for agent in ALL {
            let a = render(agent, "PreToolUse", &allowed(), None);
            assert_eq!(
                a,
                Answer {
                    code: 0,
                    stdout: String::new(),
                    stderr: String::new()
                },
                "{agent:?}"
            );
            // Blank context counts as none.
            assert_eq!(render(agent, "x", &allowed(), Some("  \n")).stdout, "");
        }
    }

    #[test]
    fn claude_and_codex_allow_with_context_never_say_allow() {
        for agent in [Agent::ClaudeCode, Agent::Codex] {
            let a = render(
                agent,
                "PreToolUse",
                &allowed(),
                Some("1 finding accepted by baseline"),
            );
            assert_eq!(a.code, 0);
            assert_eq!(
                parsed(&a),
                json!({
                    "hookSpecificOutput": {
                        "hookEventName": "PreToolUse",
                        "additionalContext": "1 finding accepted by baseline",
                    }
                }),
                "{agent:?}"
            );
            assert!(!a.stdout.contains("permissionDecision"));
        }
    }

    #[test]
    fn other_agents_allow_with_context_use_stderr_only() {
        for agent in [Agent::Gemini, Agent::Cursor, Agent::Copilot] {
            let a = render(agent, "BeforeTool", &allowed(), Some("a note"));
            assert_eq!(a.code, 0, "{agent:?}");
            assert_eq!(a.stdout, "", "{agent:?}");
            assert_eq!(a.stderr, "diffward: a note\n", "{agent:?}");
        }
    }

    #[test]
    fn empty_event_name_falls_back_to_pre_tool_use() {
        let v = parsed(&render(Agent::ClaudeCode, "", &denied("r"), None));
        assert_eq!(v["hookSpecificOutput"]["hookEventName"], "PreToolUse");
    }

    #[test]
    fn empty_reason_still_explains() {
        let v = parsed(&render(Agent::Gemini, "BeforeTool", &denied(" "), None));
        assert!(v["reason"].as_str().unwrap().contains("diffward refused"));
    }

    #[test]
    fn strings_are_escaped_on_one_line() {
        let nasty = "line1\nline2\t\"quoted\" \\ back \u{7}bell </script>";
        for agent in ALL {
            let a = render(agent, "PreToolUse", &denied(nasty), None);
            let v = parsed(&a);
            let text = v.to_string();
            assert!(text.contains("line1\\nline2"), "{agent:?}: {text}");
        }
    }

    #[test]
    fn long_reasons_are_cut() {
        let long = "é".repeat(MAX_REASON_CHARS + 50);
        let v = parsed(&render(Agent::Cursor, "preToolUse", &denied(&long), None));
        let msg = v["agent_message"].as_str().unwrap();
        assert!(msg.ends_with("[diffward: the rest of this report was cut]"));
        assert!(msg.chars().count() < MAX_REASON_CHARS + 60);
    }

    #[test]
    fn failure_closed_denies_with_fix_for_every_agent() {
        for agent in ALL {
            let a = failure(agent, "PreToolUse", "the payload is not JSON", true);
            assert_eq!(a.code, 0, "{agent:?}");
            let v = parsed(&a);
            let reason = match agent {
                Agent::ClaudeCode | Agent::Codex => {
                    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
                    v["hookSpecificOutput"]["permissionDecisionReason"].clone()
                }
                Agent::Gemini => {
                    assert_eq!(v["decision"], "deny");
                    v["reason"].clone()
                }
                Agent::Cursor => {
                    assert_eq!(v["permission"], "deny");
                    v["agent_message"].clone()
                }
                Agent::Copilot => {
                    assert_eq!(v["permissionDecision"], "deny");
                    v["permissionDecisionReason"].clone()
                }
            };
            let reason = reason.as_str().unwrap().to_string();
            assert!(
                reason.starts_with("diffward could not check this change"),
                "{reason}"
            );
            assert!(reason.contains("the payload is not JSON"), "{reason}");
            assert!(
                reason.contains(&format!("--agent {}", agent_flag(agent))),
                "{reason}"
            );
            assert!(a.stderr.contains("the payload is not JSON"));
        }
    }

    #[test]
    fn failure_open_allows_with_message_on_stderr() {
        for agent in ALL {
            let a = failure(agent, "PreToolUse", "cannot read src/x.rs", false);
            assert_eq!(a.code, 0, "{agent:?}");
            assert_eq!(a.stdout, "", "{agent:?}");
            assert_eq!(
                a.stderr,
                "diffward: could not check the change, let it through: cannot read src/x.rs\n"
            );
        }
    }

    #[test]
    fn agent_flags_match_the_cli_names() {
        use clap::ValueEnum;
        for agent in ALL {
            let name = agent.to_possible_value().map(|v| v.get_name().to_string());
            assert_eq!(name.as_deref(), Some(agent_flag(agent)));
        }
    }
}
