//! A GitHub Actions workflow (`.github/workflows/*.yml`) or action metadata file
//! (`action.yml`) as typed data with locations: triggers, permissions, jobs, steps, `uses:`
//! references, `with:`/`env:`/`run:`, `secrets:` passing, `runs-on`, `if:`. Only what the
//! ci pack judges is kept; every string keeps its span so its `${{ }}` can be placed exactly.

use crate::analyzers::yaml::{self, Node, Value};

/// A scalar: its decoded text and its byte range as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub text: String,
    pub span: (usize, usize),
}

impl Text {
    fn of(n: &Node) -> Option<Text> {
        Some(Text {
            text: n.str()?.to_string(),
            span: n.span,
        })
    }
}

/// A token permission level, in the order of what it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Read,
    Write,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Read => "read",
            Level::Write => "write",
        }
    }
}

/// The token's scopes (GitHub's documentation of `permissions`; `metadata` is always read).
pub const SCOPES: &[&str] = &[
    "actions",
    "artifact-metadata",
    "attestations",
    "checks",
    "code-quality",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
];

/// What a `permissions:` block says.
#[derive(Debug, Clone, PartialEq)]
pub enum Grant {
    ReadAll,
    WriteAll,
    /// Scopes by name; `{}` is the empty list (no access at all).
    Scopes(Vec<(String, Level, (usize, usize))>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Permissions {
    pub grant: Grant,
    /// The `permissions` key.
    pub key: (usize, usize),
    /// The whole entry, key and value.
    pub span: (usize, usize),
}

impl Permissions {
    /// The level the block gives a scope.
    pub fn level(&self, scope: &str) -> Level {
        match &self.grant {
            Grant::WriteAll => match scope {
                "models" => Level::Read,
                _ => Level::Write,
            },
            Grant::ReadAll => match scope {
                "id-token" => Level::None,
                _ => Level::Read,
            },
            Grant::Scopes(s) => s
                .iter()
                .find(|(n, _, _)| n == scope)
                .map_or(Level::None, |(_, l, _)| *l),
        }
    }

    pub fn how(&self) -> &'static str {
        match &self.grant {
            Grant::ReadAll => "read-all",
            Grant::WriteAll => "write-all",
            Grant::Scopes(s) if s.is_empty() => "none",
            Grant::Scopes(_) => "scopes",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub event: String,
    pub span: (usize, usize),
    /// `types:` of the event (`[opened, synchronize]`).
    pub types: Vec<String>,
    /// `workflow_dispatch`/`workflow_call` inputs: name and declared `type` ("" when none).
    pub inputs: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What names the step in its job: its `id`, else its `name`, else its action, else its
    /// place among the job's steps.
    pub ident: String,
    /// The step's first key.
    pub span: (usize, usize),
    pub name: Option<Text>,
    pub uses: Option<Text>,
    pub run: Option<Text>,
    pub with: Vec<(Text, Text)>,
    pub env: Vec<(Text, Text)>,
    pub cond: Option<Text>,
}

impl Step {
    pub fn with(&self, key: &str) -> Option<&Text> {
        self.with
            .iter()
            .find(|(k, _)| k.text == key)
            .map(|(_, v)| v)
    }

    /// The action a step runs, without its ref (`actions/checkout`).
    pub fn action(&self) -> Option<&str> {
        let u = self.uses.as_ref()?;
        Some(u.text.split('@').next().unwrap_or(&u.text))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    /// Its `name:`, as written.
    pub name: String,
    /// The job's key.
    pub span: (usize, usize),
    pub permissions: Option<Permissions>,
    pub runs_on: Vec<Text>,
    /// A reusable workflow the job calls.
    pub uses: Option<Text>,
    /// `secrets: inherit` (the key's span), when the job passes every secret on.
    pub secrets_inherit: Option<(usize, usize)>,
    pub with: Vec<(Text, Text)>,
    pub steps: Vec<Step>,
    pub cond: Option<Text>,
    pub env: Vec<(Text, Text)>,
    /// `container:` and `services:` images.
    pub images: Vec<Text>,
    /// `strategy.matrix` as written, when the job has one.
    pub matrix: Option<(usize, usize)>,
    /// `outputs:`, by name.
    pub outputs: Vec<(Text, Text)>,
}

/// A workflow, or an action's metadata (no triggers or permissions: one job, `(action)`, holding
/// a composite action's steps; a Docker action's image).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workflow {
    pub triggers: Vec<Trigger>,
    pub permissions: Option<Permissions>,
    pub env: Vec<(Text, Text)>,
    pub jobs: Vec<Job>,
    /// For action metadata: `runs.using`.
    pub using: Option<String>,
}

impl Workflow {
    pub fn has_trigger(&self, event: &str) -> bool {
        self.triggers.iter().any(|t| t.event == event)
    }
}

fn pairs(n: Option<&Node>) -> Vec<(Text, Text)> {
    n.map(|n| {
        n.entries()
            .iter()
            .filter_map(|(k, v)| Some((Text::of(k)?, Text::of(v)?)))
            .collect()
    })
    .unwrap_or_default()
}

fn permissions(key: &Node, v: &Node) -> Result<Permissions, String> {
    let grant = match &v.value {
        Value::Str(s, _) if s == "read-all" => Grant::ReadAll,
        Value::Str(s, _) if s == "write-all" => Grant::WriteAll,
        Value::Map(m) => {
            let mut scopes = Vec::new();
            for (k, l) in m {
                let level = match l.str() {
                    Some("write") => Level::Write,
                    Some("read") => Level::Read,
                    Some("none") => Level::None,
                    _ => {
                        return Err(format!(
                            "its `permissions` scope `{}` has no level GitHub knows",
                            k.str().unwrap_or("?")
                        ))
                    }
                };
                scopes.push((k.str().unwrap_or_default().to_string(), level, k.span));
            }
            Grant::Scopes(scopes)
        }
        // (an empty `permissions:` is read as `{}`, no access)
        _ if v.is_null() => Grant::Scopes(Vec::new()),
        _ => {
            return Err(format!(
                "its `permissions` value `{}` is not read-all, write-all or a map of scopes",
                v.str().unwrap_or("…")
            ))
        }
    };
    Ok(Permissions {
        grant,
        key: key.span,
        span: (key.span.0, v.span.1.max(key.span.1)),
    })
}

fn triggers(on: &Node) -> Vec<Trigger> {
    let simple = |n: &Node| Trigger {
        event: n.str().unwrap_or_default().to_string(),
        span: n.span,
        types: Vec::new(),
        inputs: Vec::new(),
    };
    let names = |v: &Node, key: &str| -> Vec<String> {
        v.get(key)
            .map(|t| {
                t.strings()
                    .iter()
                    .filter_map(|s| s.str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    match &on.value {
        Value::Str(..) => vec![simple(on)],
        Value::Seq(s) => s.iter().filter(|n| n.str().is_some()).map(simple).collect(),
        Value::Map(m) => m
            .iter()
            .filter(|(k, _)| k.str().is_some())
            .map(|(k, v)| Trigger {
                types: names(v, "types"),
                inputs: v
                    .get("inputs")
                    .map(Node::entries)
                    .unwrap_or_default()
                    .iter()
                    .map(|(name, decl)| {
                        let ty = decl.get("type").and_then(Node::str).unwrap_or_default();
                        (name.str().unwrap_or_default().to_string(), ty.to_string())
                    })
                    .collect(),
                ..simple(k)
            })
            .collect(),
    }
}

fn steps(list: Option<&Node>) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    for (i, s) in list.map(Node::items).unwrap_or_default().iter().enumerate() {
        let text = |k: &str| s.get(k).and_then(Text::of);
        let (uses, name) = (text("uses"), text("name"));
        let ident = text("id")
            .map(|t| format!("id:{}", t.text))
            .or_else(|| name.as_ref().map(|t| format!("name:{}", t.text)))
            .or_else(|| {
                uses.as_ref()
                    .map(|u| format!("uses:{}", u.text.split('@').next().unwrap_or_default()))
            })
            .unwrap_or_else(|| format!("step:{}", i + 1));
        let span = s.entries().first().map(|(k, _)| k.span).unwrap_or(s.span);
        out.push(Step {
            ident,
            span,
            name,
            uses,
            run: text("run"),
            with: pairs(s.get("with")),
            env: pairs(s.get("env")),
            cond: text("if"),
        });
    }
    out
}

fn job(k: &Node, v: &Node) -> Result<Job, String> {
    let mut images = Vec::new();
    if let Some(c) = v.get("container") {
        images.extend(Text::of(c).or_else(|| c.get("image").and_then(Text::of)));
    }
    for (_, s) in v.get("services").map(Node::entries).unwrap_or_default() {
        images.extend(s.get("image").and_then(Text::of));
    }
    Ok(Job {
        id: k.str().unwrap_or_default().to_string(),
        name: v
            .get("name")
            .and_then(Node::str)
            .unwrap_or_default()
            .to_string(),
        span: k.span,
        permissions: v
            .entry("permissions")
            .map(|(pk, pv)| permissions(pk, pv))
            .transpose()?,
        runs_on: v
            .get("runs-on")
            .map(|r| {
                let list = r.get("labels").unwrap_or(r);
                list.strings().into_iter().filter_map(Text::of).collect()
            })
            .unwrap_or_default(),
        uses: v.get("uses").and_then(Text::of),
        secrets_inherit: v
            .entry("secrets")
            .filter(|(_, s)| s.str() == Some("inherit"))
            .map(|(k, s)| (k.span.0, s.span.1)),
        with: pairs(v.get("with")),
        steps: steps(v.get("steps")),
        cond: v.get("if").and_then(Text::of),
        env: pairs(v.get("env")),
        images,
        outputs: pairs(v.get("outputs")),
        matrix: v
            .get("strategy")
            .and_then(|s| s.entry("matrix"))
            .map(|(k, m)| (k.span.0, m.span.1.max(k.span.1))),
    })
}

/// A workflow file's model, or why it cannot be read.
pub fn workflow(text: &str) -> Result<Workflow, String> {
    let root = yaml::parse(text)?;
    if !matches!(root.value, Value::Map(_)) {
        return if root.is_null() {
            Ok(Workflow::default())
        } else {
            Err("it is not a workflow (not a mapping of keys)".into())
        };
    }
    let mut w = Workflow {
        // (YAML 1.1 readers see `on` as true; this parser, like GitHub's, keeps the key)
        triggers: root.get("on").map(triggers).unwrap_or_default(),
        permissions: root
            .entry("permissions")
            .map(|(k, v)| permissions(k, v))
            .transpose()?,
        env: pairs(root.get("env")),
        ..Workflow::default()
    };
    for (k, v) in root.get("jobs").map(Node::entries).unwrap_or_default() {
        w.jobs.push(job(k, v)?);
    }
    Ok(w)
}

/// An action metadata file's model: a composite action's steps as one job, `(action)`; a
/// Docker action's image.
pub fn action(text: &str) -> Result<Workflow, String> {
    let root = yaml::parse(text)?;
    let Some(runs) = root.get("runs") else {
        return Ok(Workflow::default());
    };
    let using = runs.get("using").and_then(Node::str).map(str::to_string);
    let image = runs
        .get("image")
        .and_then(Text::of)
        .filter(|i| i.text.starts_with("docker://"));
    Ok(Workflow {
        jobs: vec![Job {
            id: "(action)".into(),
            name: String::new(),
            span: root.entry("runs").map(|(k, _)| k.span).unwrap_or_default(),
            permissions: None,
            runs_on: Vec::new(),
            uses: None,
            secrets_inherit: None,
            with: Vec::new(),
            steps: steps(runs.get("steps")),
            cond: None,
            env: pairs(runs.get("env")),
            images: image.into_iter().collect(),
            matrix: None,
            outputs: Vec::new(),
        }],
        using,
        ..Workflow::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_triggers_permissions_jobs_and_steps() {
        let t = "on:\n  pull_request_target:\n    types: [opened]\n  push:\npermissions: read-all\njobs:\n  build:\n    permissions:\n      contents: write\n    runs-on: [self-hosted, linux]\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - name: Test\n        run: make test\n  call:\n    uses: org/repo/.github/workflows/r.yml@main\n    secrets: inherit\n";
        let w = workflow(t).unwrap();
        assert_eq!(w.triggers.len(), 2);
        assert_eq!(w.triggers[0].types, vec!["opened"]);
        assert_eq!(w.permissions.as_ref().unwrap().how(), "read-all");
        let b = &w.jobs[0];
        assert_eq!(
            b.permissions.as_ref().unwrap().level("contents"),
            Level::Write
        );
        assert_eq!(b.permissions.as_ref().unwrap().level("issues"), Level::None);
        assert_eq!(b.runs_on.len(), 2);
        assert_eq!(b.steps[0].ident, "uses:actions/checkout");
        assert_eq!(
            b.steps[0].with("persist-credentials").unwrap().text,
            "false"
        );
        assert_eq!(b.steps[1].ident, "name:Test");
        assert!(w.jobs[1].secrets_inherit.is_some());
        assert!(w.jobs[1].uses.is_some());
    }

    #[test]
    fn trigger_forms() {
        assert_eq!(workflow("on: push\n").unwrap().triggers[0].event, "push");
        let w = workflow("on: [push, pull_request]\n").unwrap();
        assert!(w.has_trigger("pull_request"));
        assert!(
            workflow("permissions: {}\n")
                .unwrap()
                .permissions
                .unwrap()
                .how()
                == "none"
        );
    }

    #[test]
    fn bad_permissions_are_errors_not_guesses() {
        assert!(workflow("permissions: writeall\n").is_err());
        assert!(workflow("permissions:\n  contents: admin\n").is_err());
        assert!(workflow("- a\n- b\n").is_err());
    }

    #[test]
    fn composite_actions_are_one_job() {
        let a = action("name: x\nruns:\n  using: composite\n  steps:\n    - run: echo ${{ inputs.x }}\n      shell: bash\n").unwrap();
        assert_eq!(a.jobs[0].steps.len(), 1);
        assert_eq!(a.using.as_deref(), Some("composite"));
    }
}
