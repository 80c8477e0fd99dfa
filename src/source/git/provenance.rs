//! Who introduced a finding: the commit of the range that added its line (or removed the
//! protection), its author, and whether a coding agent wrote it.
//!
//! Lookups are batched: one `git blame` per file for all its added-line findings, one reverse
//! blame per file for its removals, and one `git log` for the details of every commit involved,
//! so a range with a thousand findings costs a few git calls per file, not per finding.

use std::collections::{BTreeMap, HashMap};

use super::{GitError, Repo};
use crate::finding::Provenance;

/// What to look up for one finding.
#[derive(Debug, Clone)]
pub enum Introduced {
    /// An added line of `path` at the head (1-based).
    Line { path: String, line: u32 },
    /// A line of `path` at the base (1-based) that the range removed.
    Removed { path: String, line: u32 },
    /// The change as a whole (no line to blame): the last commit that touched `path`.
    File { path: String },
}

/// The coding agents a commit can name, by their documented commit identities: the e-mail
/// addresses and GitHub App logins they commit or co-author with (from each agent's
/// documentation and GitHub App pages), never a first name alone.
const AGENT_ADDRESSES: &[(&str, &str)] = &[
    ("noreply@anthropic.com", "Claude Code"),
    ("claude[bot]", "Claude"),
    ("+copilot@users.noreply.github.com", "GitHub Copilot"),
    ("copilot-swe-agent[bot]", "GitHub Copilot"),
    ("devin-ai-integration[bot]", "Devin"),
    ("cursoragent@cursor.com", "Cursor"),
    ("noreply@aider.chat", "Aider"),
    ("chatgpt-codex-connector[bot]", "OpenAI Codex"),
    ("google-labs-jules[bot]", "Jules"),
    ("gemini-code-assist[bot]", "Gemini"),
    ("amazon-q-developer[bot]", "Amazon Q Developer"),
    ("openhands@all-hands.dev", "OpenHands"),
    ("sweep-ai[bot]", "Sweep"),
];

/// Co-author names that are agents whatever the address (whole names, case-insensitive).
const AGENT_NAMES: &[&str] = &[
    "claude",
    "claude code",
    "copilot",
    "github copilot",
    "cursor agent",
    "devin",
    "devin ai",
    "openai codex",
    "codex",
    "gemini",
    "gemini cli",
    "jules",
    "amazon q developer",
    "aider",
    "openhands",
    "windsurf",
    "cascade",
];

/// Message footers that agents write.
const AGENT_FOOTERS: &[(&str, &str)] = &[
    ("generated with [claude code]", "Claude Code"),
    ("generated with claude code", "Claude Code"),
    ("generated with [codex]", "OpenAI Codex"),
    ("generated with [gemini cli]", "Gemini"),
    ("generated with [cursor]", "Cursor"),
];

/// The identity of a commit, as `git log` gives it.
pub struct CommitIdentity<'a> {
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub committer_name: &'a str,
    pub committer_email: &'a str,
    pub message: &'a str,
}

fn agent_of_address(name: &str, email: &str) -> Option<&'static str> {
    let (name, email) = (name.to_ascii_lowercase(), email.to_ascii_lowercase());
    AGENT_ADDRESSES
        .iter()
        .find(|(a, _)| email.contains(a) || name == *a)
        .map(|(_, agent)| *agent)
        .or_else(|| name.ends_with(" (aider)").then_some("Aider"))
}

/// The agent an `Assisted-by`/`Generated-by` value names: an agent's address, a known agent
/// name (optionally followed by a version or `:model`), or the `tool:model` form.
fn agent_in_attribution(value: &str) -> Option<String> {
    let (name, email) = split_person(value);
    if let Some(a) = agent_of_address(name, email) {
        return Some(a.to_string());
    }
    let (tool, model) = match name.split_once(':') {
        Some((t, m)) => (t.trim(), Some(m.trim())),
        None => (name, None),
    };
    let lower = tool.to_ascii_lowercase();
    let known = AGENT_NAMES.iter().any(|a| {
        lower == *a
            || lower
                .strip_prefix(a)
                .is_some_and(|rest| rest.starts_with([' ', '/', '-']))
    });
    let model_form = model.is_some_and(|m| !m.is_empty() && !m.contains(' '))
        && !tool.contains(' ')
        || model.is_some_and(|m| !m.is_empty()) && known;
    (known || model_form).then(|| tool.to_string())
}

/// `Name <email>` of a trailer's value.
fn split_person(value: &str) -> (&str, &str) {
    match value.split_once('<') {
        Some((n, e)) => (n.trim(), e.trim_end().trim_end_matches('>')),
        None => (value.trim(), ""),
    }
}

/// The agent that wrote or co-wrote a commit, if any says so.
pub fn agent_of(c: &CommitIdentity<'_>) -> Option<String> {
    if let Some(a) = agent_of_address(c.author_name, c.author_email)
        .or_else(|| agent_of_address(c.committer_name, c.committer_email))
    {
        return Some(a.to_string());
    }
    for line in c.message.lines() {
        let l = line.trim();
        let lower = l.to_ascii_lowercase();
        let Some((key, value)) = l.split_once(':') else {
            if let Some((_, agent)) = AGENT_FOOTERS.iter().find(|(f, _)| lower.contains(f)) {
                return Some(agent.to_string());
            }
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "co-authored-by" => {
                let (name, email) = split_person(value);
                if let Some(a) = agent_of_address(name, email) {
                    return Some(a.to_string());
                }
                if AGENT_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
                    return Some(name.to_string());
                }
            }
            "ai-assisted" | "ai-agent" | "coding-agent" => {
                let v = value.to_ascii_lowercase();
                if !matches!(v.as_str(), "" | "false" | "no" | "none" | "0") {
                    let (name, _) = split_person(value);
                    return Some(if matches!(v.as_str(), "true" | "yes" | "1") {
                        "an AI assistant".to_string()
                    } else {
                        name.to_string()
                    });
                }
            }
            // `Assisted-by: <agent>:<model>` (the form the Linux kernel asks for) or an agent's
            // name or address; a person who helped is not an agent.
            "assisted-by" | "generated-by" => {
                if let Some(agent) = agent_in_attribution(value) {
                    return Some(agent);
                }
            }
            _ => {
                if let Some((_, agent)) = AGENT_FOOTERS.iter().find(|(f, _)| lower.contains(f)) {
                    return Some(agent.to_string());
                }
            }
        }
    }
    None
}

/// The agent the environment names, for a change with no commit yet (the index, the work
/// tree): `DIFFWARD_AI_ASSISTED` set to an agent's name, or to `1`/`true`/`yes`. Agents' shells
/// can set it; a commit's own trailers are read once it exists.
pub fn agent_of_environment() -> Option<String> {
    let v = std::env::var("DIFFWARD_AI_ASSISTED").ok()?;
    let v = v.trim();
    match v.to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "none" => None,
        "1" | "true" | "yes" => Some("DIFFWARD_AI_ASSISTED".into()),
        _ => Some(format!("DIFFWARD_AI_ASSISTED={v}")),
    }
}

impl Repo {
    /// The provenance of each lookup, in order (`None` where git cannot tell).
    pub fn provenance(
        &self,
        base: &str,
        head: &str,
        asks: &[Introduced],
    ) -> Vec<Option<Provenance>> {
        let mut commit_of: Vec<Option<String>> = vec![None; asks.len()];
        // Group by file and kind: one git call per group.
        let mut lines_at_head: BTreeMap<&str, Vec<(usize, u32)>> = BTreeMap::new();
        let mut lines_at_base: BTreeMap<&str, Vec<(usize, u32)>> = BTreeMap::new();
        let mut whole: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, a) in asks.iter().enumerate() {
            match a {
                Introduced::Line { path, line } => {
                    lines_at_head.entry(path).or_default().push((i, *line))
                }
                Introduced::Removed { path, line } => {
                    lines_at_base.entry(path).or_default().push((i, *line))
                }
                Introduced::File { path } => whole.entry(path).or_default().push(i),
            }
        }
        for (path, wanted) in &lines_at_head {
            let lines: Vec<u32> = wanted.iter().map(|(_, l)| *l).collect();
            let blamed = self.blame(head, None, path, &lines).unwrap_or_default();
            for (i, l) in wanted {
                commit_of[*i] = blamed.get(l).cloned();
            }
        }
        for (path, wanted) in &lines_at_base {
            let lines: Vec<u32> = wanted.iter().map(|(_, l)| *l).collect();
            // A reverse blame names the last commit in which each line still existed; the line
            // went away in the next commit of the range that touched the file.
            let last_seen = self
                .blame(base, Some(head), path, &lines)
                .unwrap_or_default();
            let mut remover: HashMap<String, Option<String>> = HashMap::new();
            for (i, l) in wanted {
                let Some(seen) = last_seen.get(l) else {
                    whole.entry(path).or_default().push(*i);
                    continue;
                };
                let next = remover
                    .entry(seen.clone())
                    .or_insert_with(|| self.next_change(seen, head, path))
                    .clone();
                match next {
                    Some(c) => commit_of[*i] = Some(c),
                    None => whole.entry(path).or_default().push(*i),
                }
            }
        }
        for (path, idx) in &whole {
            let range = format!("{base}..{head}");
            let last = self
                .git(&[
                    "log",
                    "--no-show-signature",
                    "-1",
                    "--format=%H",
                    &range,
                    "--",
                    path,
                ])
                .ok()
                .map(super::text)
                .filter(|c| !c.is_empty());
            for i in idx {
                commit_of[*i] = last.clone();
            }
        }
        let mut shas: Vec<&str> = commit_of.iter().flatten().map(String::as_str).collect();
        shas.sort_unstable();
        shas.dedup();
        let details = self.commit_details(&shas).unwrap_or_default();
        commit_of
            .into_iter()
            .map(|c| c.and_then(|c| details.get(&c).cloned()))
            .collect()
    }

    /// `git blame` of some lines: at `rev` (or, with `reverse_to`, forward from `rev` to it).
    fn blame(
        &self,
        rev: &str,
        reverse_to: Option<&str>,
        path: &str,
        lines: &[u32],
    ) -> Result<HashMap<u32, String>, GitError> {
        let mut args: Vec<String> =
            vec!["blame".into(), "--porcelain".into(), "--no-textconv".into()];
        let mut sorted = lines.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        for l in &sorted {
            args.push("-L".into());
            args.push(format!("{l},{l}"));
        }
        match reverse_to {
            Some(to) => {
                args.push("--reverse".into());
                args.push(format!("{rev}..{to}"));
            }
            None => args.push(rev.into()),
        }
        args.push("--".into());
        args.push(path.into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.git(&args)?;
        Ok(parse_porcelain(&String::from_utf8_lossy(&out)))
    }

    /// The first commit after `after`, up to `head`, that changed `path`.
    fn next_change(&self, after: &str, head: &str, path: &str) -> Option<String> {
        let range = format!("{after}..{head}");
        let out = self
            .git(&[
                "rev-list",
                "--reverse",
                "--ancestry-path",
                &range,
                "--",
                path,
            ])
            .ok()?;
        super::text(out).lines().next().map(str::to_string)
    }

    /// Author and agent of each commit, in one `git log`.
    pub fn commit_details(&self, shas: &[&str]) -> Result<HashMap<String, Provenance>, GitError> {
        let mut out = HashMap::new();
        if shas.is_empty() {
            return Ok(out);
        }
        let mut args = vec![
            "log",
            "--no-walk=unsorted",
            "--no-show-signature",
            "--format=%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B%x00%x01",
        ];
        args.extend_from_slice(shas);
        let raw = self.git(&args)?;
        let raw = String::from_utf8_lossy(&raw);
        for rec in raw.split('\x01') {
            let f: Vec<&str> = rec.trim_start_matches('\n').split('\0').collect();
            let [commit, an, ae, cn, ce, msg, ..] = f[..] else {
                continue;
            };
            let agent = agent_of(&CommitIdentity {
                author_name: an,
                author_email: ae,
                committer_name: cn,
                committer_email: ce,
                message: msg,
            });
            out.insert(
                commit.to_string(),
                Provenance {
                    commit: commit.to_string(),
                    author: an.to_string(),
                    ai_assisted: agent.is_some(),
                    assistant: agent,
                },
            );
        }
        Ok(out)
    }
}

/// `final line -> commit` from `git blame --porcelain`.
fn parse_porcelain(out: &str) -> HashMap<u32, String> {
    let mut map = HashMap::new();
    for line in out.lines() {
        if line.starts_with('\t') {
            continue;
        }
        let mut parts = line.split(' ');
        let (Some(sha), Some(_orig), Some(fin)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if sha.len() >= 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            if let Ok(n) = fin.parse::<u32>() {
                map.insert(n, sha.to_string());
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(an: &str, ae: &str, msg: &str) -> Option<String> {
        agent_of(&CommitIdentity {
            author_name: an,
            author_email: ae,
            committer_name: "Dev",
            committer_email: "dev@example.com",
            message: msg,
        })
    }

    #[test]
    fn agents_are_recognised_by_their_documented_identities() {
        let claude_trailer = "Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>";
        assert_eq!(
            who("Dev", "dev@example.com", claude_trailer).as_deref(),
            Some("Claude Code")
        );
        let footer = "Fix\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)";
        assert_eq!(
            who("Dev", "dev@example.com", footer).as_deref(),
            Some("Claude Code")
        );
        let bot = "209825114+claude[bot]@users.noreply.github.com";
        assert_eq!(who("claude[bot]", bot, "Fix").as_deref(), Some("Claude"));
        let copilot = "198982749+Copilot@users.noreply.github.com";
        assert_eq!(
            who("Copilot", copilot, "Fix").as_deref(),
            Some("GitHub Copilot")
        );
        let devin = "158243242+devin-ai-integration[bot]@users.noreply.github.com";
        assert_eq!(
            who("devin-ai-integration[bot]", devin, "x").as_deref(),
            Some("Devin")
        );
        assert_eq!(
            who("Ana (aider)", "ana@example.com", "x").as_deref(),
            Some("Aider")
        );
        assert!(who("Dev", "d@e.com", "Fix\n\nAssisted-by: Gemini CLI").is_some());
        assert!(who("Dev", "d@e.com", "Fix\n\nAI-assisted: no").is_none());
    }

    /// One case per form an agent leaves, as each agent's documentation shows it.
    #[test]
    fn every_agents_trailer_form_is_recognised() {
        let dev = |msg: &str| who("Dev", "dev@example.com", msg);
        let cases: &[(&str, &str)] = &[
            // Claude Code's co-author trailer
            ("Co-Authored-By: Claude <noreply@anthropic.com>", "Claude Code"),
            // GitHub Copilot's coding agent as co-author
            (
                "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
                "GitHub Copilot",
            ),
            // OpenAI Codex's GitHub connector
            (
                "Co-authored-by: chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
                "OpenAI Codex",
            ),
            ("Co-authored-by: Codex <noreply@openai.com>", "Codex"),
            // Gemini
            (
                "Co-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>",
                "Gemini",
            ),
            ("Generated with [Gemini CLI](https://github.com/google-gemini/gemini-cli)", "Gemini"),
            // Cursor's agent
            ("Co-authored-by: Cursor Agent <cursoragent@cursor.com>", "Cursor"),
            // Aider's --attribute-co-authored-by
            ("Co-authored-by: aider (openai/gpt-4o) <noreply@aider.chat>", "Aider"),
            // the agent:model attribution
            ("Assisted-by: Claude Code:claude-opus-4", "Claude Code"),
            ("Assisted-by: codex:gpt-5-codex", "codex"),
            ("Generated-by: GitHub Copilot", "GitHub Copilot"),
            ("AI-assisted: true", "an AI assistant"),
        ];
        for (trailer, agent) in cases {
            let msg = format!("Fix the client\n\n{trailer}");
            assert_eq!(dev(&msg).as_deref(), Some(*agent), "{trailer}");
        }
        // Aider's own commits: the author name gets ` (aider)`.
        assert_eq!(
            who("Ana Lima (aider)", "ana@example.com", "feat: x").as_deref(),
            Some("Aider")
        );
        // People who helped are not agents.
        for trailer in [
            "Assisted-by: Jane Doe <jane@example.com>",
            "Generated-by: make docs",
            "Assisted-by: Bob",
        ] {
            assert_eq!(dev(&format!("Fix\n\n{trailer}")), None, "{trailer}");
        }
    }

    #[test]
    fn a_person_named_claude_is_not_an_agent() {
        assert_eq!(who("Claude Dupont", "claude@example.com", "Fix"), None);
        let msg = "Fix\n\nCo-authored-by: Claude Monet <claude.monet@example.com>";
        assert_eq!(who("Dev", "dev@example.com", msg), None);
        assert_eq!(
            who("Dev", "dev@example.com", "Talked to Claude about it"),
            None
        );
    }

    #[test]
    fn porcelain_blame_maps_final_lines() {
        let sha = "a".repeat(40);
        let out = format!("{sha} 3 7 1\nauthor X\n\tline\n{sha} 4 9\n\tother\n");
        let m = parse_porcelain(&out);
        assert_eq!(m.get(&7), Some(&sha));
        assert_eq!(m.get(&9), Some(&sha));
    }
}
