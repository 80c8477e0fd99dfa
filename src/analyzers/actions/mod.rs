//! GitHub Actions: what a workflow or an action gives the code it runs, as facts whose deltas
//! say what a change did to a workflow's power.
//!
//! ```text
//! text ─ yaml.rs (saphyr-parser events → a tree with byte spans, aliases expanded)
//!      ─ model.rs (triggers, permissions, jobs, steps, uses, run, with, env, secrets, if)
//!      ─ expr.rs (each `${{ }}`: its bytes, the contexts that flow out of it, their trust)
//!      ─ here: facts, one judgement each, computed in Rust
//! ```
//!
//! | kind | key | says |
//! |---|---|---|
//! | `job` | job | the job's `name:` and what it does, to pair a renamed job with itself (`align_renamed_jobs`) |
//! | `job-permission` | job | the job's effective token: `write`/`read` scopes, `source` (job, workflow, default, caller), `how` |
//! | `permissions` | `workflow` or `job <id>` | a `permissions:` block as written, and the jobs it governs |
//! | `trigger` | event | an `on:` event, with `types`, `privileged` |
//! | `action-use` | job, action | a `uses:` (step, reusable workflow, Docker image): `ref`, `pin`, `first-party`, `lookalike` |
//! | `expression` | job, field, expression | a `${{ }}` expanded into code (`run:`, github-script's `script:`) with the contexts that flow out of it and their `trust` |
//! | `workflow-risk` | risk, job, detail | one footgun the model shows: untrusted checkout under a privileged trigger, `secrets: inherit`, all secrets in one place, a secret written to `$GITHUB_ENV` or printed, secrets in a privileged run, unsecure commands, env-file writes under a privileged trigger, self-hosted runners that forks reach, caches in release workflows, bot-name conditions, credentials persisted by checkout |
//!
//! Keys hold no line numbers and no step positions where a better name exists (an id, a
//! name, the action), so a workflow re-indented, re-ordered or moved to another file says the
//! same facts. Expressions are keyed by their text within their job, so moving a script
//! between steps changes nothing while a second copy of an injection is new.
//!
//! **Effective permissions** (`job-permission`): a job's `permissions:` replaces the workflow's;
//! none anywhere is the repository default, read here as the broad (read and write) default,
//! because diffward cannot see the repository's setting; messages say so. `judge()` compares
//! the two sides of a changed job per scope: `widened` lists each scope that gained access
//! (`contents: read → write`; `id-token` has its own attribute), `fallback` is true when the
//! job lost every block and fell back to the default.

pub mod expr;
pub mod model;

use std::collections::BTreeMap;

use super::{Delta, DeltaKind, Fact, Value};
use expr::Trust;
use model::{Job, Level, Permissions, Step, Workflow, SCOPES};

/// Events whose runs get the base repository's secrets and a write token while reading what a
/// fork or an outsider sent.
const PRIVILEGED: &[&str] = &["pull_request_target", "workflow_run", "issue_comment"];

/// Events a fork or an outsider can start (`issue_comment`, `issues`, … run in the base
/// repository, on its runners).
const FORK_REACHABLE: &[&str] = &[
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
    "issues",
    "discussion",
    "discussion_comment",
    "workflow_run",
];

/// The level a scope has under the repository default, read as the broad default.
fn default_level(scope: &str) -> Level {
    match scope {
        "id-token" => Level::None,
        "models" => Level::Read,
        _ => Level::Write,
    }
}

struct Builder {
    kind: &'static str,
    key: Vec<String>,
    attrs: BTreeMap<String, Value>,
    span: (usize, usize),
    related: Vec<(usize, usize)>,
}

fn fact(kind: &'static str, key: &[&str], span: (usize, usize)) -> Builder {
    Builder {
        kind,
        key: key.iter().map(|s| s.to_string()).collect(),
        attrs: BTreeMap::new(),
        span,
        related: Vec::new(),
    }
}

impl Builder {
    fn text(mut self, k: &str, v: impl Into<String>) -> Self {
        self.attrs.insert(k.into(), Value::Text(v.into()));
        self
    }
    /// (sorted: no list here has an order that means anything, and a re-ordered file says the
    /// same)
    fn list(mut self, k: &str, mut v: Vec<String>) -> Self {
        v.sort();
        v.dedup();
        self.attrs.insert(k.into(), Value::List(v));
        self
    }
    fn flag(self, k: &str, v: bool) -> Self {
        self.text(k, if v { "true" } else { "false" })
    }
    fn related(mut self, r: impl IntoIterator<Item = (usize, usize)>) -> Self {
        self.related.extend(r);
        self
    }
    fn done(self) -> Fact {
        Fact {
            kind: self.kind,
            key: self.key,
            attrs: self.attrs,
            span: self.span,
            related: self.related,
        }
    }
}

/// The facts of a workflow file.
pub fn workflow(text: &str) -> Result<Vec<Fact>, String> {
    let w = model::workflow(text)?;
    Ok(facts(&w, text, false))
}

/// The facts of an action metadata file (`action.yml`).
pub fn action(text: &str) -> Result<Vec<Fact>, String> {
    let w = model::action(text)?;
    Ok(facts(&w, text, true))
}

fn facts(w: &Workflow, text: &str, is_action: bool) -> Vec<Fact> {
    let events: Vec<String> = w.triggers.iter().map(|t| t.event.clone()).collect();
    let privileged: Vec<String> = events
        .iter()
        .filter(|e| PRIVILEGED.contains(&e.as_str()))
        .cloned()
        .collect();
    let mut out = Vec::new();
    // The one use `pull_request_target` was made for: a single job whose single step labels
    // the pull request from the base branch's configuration.
    let only_labeler = matches!(w.jobs.as_slice(), [j] if matches!(j.steps.as_slice(),
        [s] if s.action().is_some_and(|a| a.eq_ignore_ascii_case("actions/labeler"))));
    for t in &w.triggers {
        out.push(
            fact("trigger", &[&t.event], t.span)
                .text("event", &t.event)
                .flag("only-labeler", only_labeler)
                .list("types", t.types.clone())
                .flag("privileged", PRIVILEGED.contains(&t.event.as_str()))
                .done(),
        );
    }
    if !is_action {
        permission_facts(w, &events, &mut out);
    }
    for (k, v) in &w.env {
        insecure_commands(k, v, "", &mut out);
    }
    for job in &w.jobs {
        let cx = Cx {
            w,
            text,
            events: &events,
            privileged: &privileged,
        };
        job_facts(&cx, job, &mut out);
    }
    out
}

fn levels(p: Option<&Permissions>) -> (Vec<String>, Vec<String>) {
    let (mut write, mut read) = (Vec::new(), Vec::new());
    // (a scope this list does not know yet is still a scope)
    let mut scopes: Vec<&str> = SCOPES.to_vec();
    if let Some(model::Grant::Scopes(named)) = p.map(|p| &p.grant) {
        scopes.extend(named.iter().map(|(n, _, _)| n.as_str()));
        scopes.sort();
        scopes.dedup();
    }
    for s in scopes {
        let level = p.map_or(default_level(s), |p| p.level(s));
        match level {
            Level::Write => write.push(s.to_string()),
            Level::Read => read.push(s.to_string()),
            Level::None => {}
        }
    }
    (write, read)
}

/// Where a block is shown: the whole entry when it is one line (`permissions: write-all`),
/// else its key.
fn block_span(p: &Permissions) -> (usize, usize) {
    match p.grant {
        model::Grant::ReadAll | model::Grant::WriteAll => p.span,
        model::Grant::Scopes(_) => p.key,
    }
}

fn scope_spans(p: &Permissions) -> Vec<(usize, usize)> {
    match &p.grant {
        model::Grant::Scopes(s) => s.iter().map(|(_, _, sp)| *sp).collect(),
        _ => Vec::new(),
    }
}

fn permission_facts(w: &Workflow, events: &[String], out: &mut Vec<Fact>) {
    let inheriting: Vec<String> = w
        .jobs
        .iter()
        .filter(|j| j.permissions.is_none())
        .map(|j| j.id.clone())
        .collect();
    if let Some(p) = &w.permissions {
        // A write scope at the workflow level reaches every job without its own block; with
        // one job, or a workflow only other workflows call, it is as narrow as a job's.
        let reusable_only = events.iter().all(|e| e == "workflow_call") && !events.is_empty();
        if w.jobs.len() > 1 && !inheriting.is_empty() && !reusable_only {
            if let model::Grant::Scopes(scopes) = &p.grant {
                for (scope, level, span) in scopes {
                    if *level == Level::Write {
                        out.push(
                            risk("workflow-write-scope", "", "", scope, *span)
                                .list("jobs", inheriting.clone())
                                .done(),
                        );
                    }
                }
            }
        }
        let (write, read) = levels(Some(p));
        out.push(
            fact("permissions", &["workflow"], block_span(p))
                .text("level", "workflow")
                .text("job", "")
                .text("how", p.how())
                .list("write", write)
                .list("read", read)
                .list("jobs", inheriting.clone())
                .text("job-count", w.jobs.len().to_string())
                .related(scope_spans(p))
                .done(),
        );
    }
    for j in &w.jobs {
        if let Some(p) = &j.permissions {
            let (write, read) = levels(Some(p));
            out.push(
                fact("permissions", &["job", &j.id], block_span(p))
                    .text("level", "job")
                    .text("job", &j.id)
                    .text("how", p.how())
                    .list("write", write)
                    .list("read", read)
                    .list("jobs", vec![j.id.clone()])
                    .text("job-count", w.jobs.len().to_string())
                    .related(scope_spans(p))
                    .done(),
            );
        }
        // A workflow only other workflows call gets its token from the calling job, which can
        // only narrow it: with no block it has the caller's.
        let called_only = !events.is_empty() && events.iter().all(|e| e == "workflow_call");
        let (block, source) = match (&j.permissions, &w.permissions) {
            (Some(p), _) => (Some(p), "job"),
            (None, Some(p)) => (Some(p), "workflow"),
            (None, None) if called_only => (None, "caller"),
            (None, None) => (None, "default"),
        };
        let (write, read) = levels(block);
        let (span, related) = match block {
            Some(p) => (p.key, scope_spans(p)),
            None => (j.span, Vec::new()),
        };
        let id_token = if write.iter().any(|s| s == "id-token") {
            "write"
        } else {
            "none"
        };
        let order: Vec<&str> = match block.map(|p| &p.grant) {
            Some(model::Grant::Scopes(named)) => named.iter().map(|(n, _, _)| n.as_str()).collect(),
            _ => Vec::new(),
        };
        let write_other: Vec<String> = write.iter().filter(|s| *s != "id-token").cloned().collect();
        out.push(
            fact("job-permission", &[&j.id], span)
                .text("job", &j.id)
                .list("write-other", write_other)
                .flag("calls", j.uses.is_some())
                .text("order", order.join("\n"))
                .text("source", source)
                .text("how", block.map_or("default", |p| p.how()))
                .text("id-token", id_token)
                .list("write", write)
                .list("read", read)
                .list("triggers", events.to_vec())
                .related(related)
                .done(),
        );
    }
}

/// What an `ACTIONS_ALLOW_UNSECURE_COMMANDS` env entry turns on.
fn insecure_commands(k: &model::Text, v: &model::Text, job: &str, out: &mut Vec<Fact>) {
    if k.text == "ACTIONS_ALLOW_UNSECURE_COMMANDS" && !matches!(v.text.as_str(), "false" | "") {
        out.push(risk("insecure-commands", job, "", &v.text, k.span).done());
    }
}

fn risk(risk: &str, job: &str, step: &str, detail: &str, span: (usize, usize)) -> Builder {
    fact("workflow-risk", &[risk, job, detail], span)
        .text("risk", risk)
        .text("job", job)
        .text("step", step)
        .text("detail", detail)
}

/// The pin of a `uses:` reference, and its parts: (kind, action, ref, pin).
fn reference(uses: &str) -> (&'static str, String, String, &'static str) {
    if let Some(image) = uses.strip_prefix("docker://") {
        let (name, pin) = image_pin(image);
        let tag = image[name.len()..]
            .trim_start_matches([':', '@'])
            .to_string();
        return ("docker", name, tag, pin);
    }
    // (`$/` names the workflow's own repository, at the commit that runs)
    if uses.starts_with("./") || uses.starts_with("../") || uses.starts_with("$/") {
        return ("local", uses.to_string(), String::new(), "local");
    }
    let kind = if uses.contains("/.github/workflows/") {
        "reusable"
    } else {
        "action"
    };
    match uses.split_once('@') {
        Some((action, r)) => {
            let sha = r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit());
            (
                kind,
                action.to_string(),
                r.to_string(),
                if sha { "sha" } else { "ref" },
            )
        }
        None => (kind, uses.to_string(), String::new(), "none"),
    }
}

/// An image reference's repository (without tag or digest: its identity) and pin: `digest`
/// (`@sha256:`), `tag`, or `none` (latest).
fn image_pin(image: &str) -> (String, &'static str) {
    if let Some((name, _)) = image.split_once('@') {
        let name = name.rsplit_once(':').filter(|(_, t)| !t.contains('/'));
        return (name.map_or(image, |(n, _)| n).to_string(), "digest");
    }
    // a `:` after the last `/` is a tag; one before it is a registry's port
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) => {
            let name = &image[..image.len() - tag.len() - 1];
            (
                name.to_string(),
                if tag == "latest" { "none" } else { "tag" },
            )
        }
        None => (image.to_string(), "none"),
    }
}

fn action_use(job: &str, step: &str, uses: &model::Text) -> Fact {
    let (kind, action, r, pin) = reference(&uses.text);
    let owner = action.split('/').next().unwrap_or_default().to_string();
    let first_party = kind != "docker" && matches!(owner.as_str(), "actions" | "github");
    let mut b = fact("action-use", &[job, &action], uses.span)
        .text("job", job)
        .text("step", step)
        .text("action", &action)
        .text("owner", owner)
        .text("ref", r)
        .text("pin", pin)
        .text("kind", kind)
        .flag("first-party", first_party);
    if kind == "action" || kind == "reusable" {
        if let Some(target) = super::lookalike::lookalike_action(&action) {
            b = b.text("lookalike", target);
        }
    }
    b.done()
}

/// Whether an expression names the head of a pull request or of the run that triggered this
/// one: code from a fork.
fn names_untrusted_head(e: &expr::Expr) -> bool {
    e.names.iter().any(|n| untrusted_head(n))
}

/// Whether a context is the head of a pull request or of the triggering run.
fn untrusted_head(n: &str) -> bool {
    matches!(
        n,
        "github.event.pull_request.head.sha"
            | "github.event.pull_request.head.ref"
            | "github.event.pull_request.head.repo.full_name"
            | "github.event.workflow_run.head_sha"
            | "github.event.workflow_run.head_branch"
            | "github.event.workflow_run.head_repository.full_name"
            | "github.head_ref"
    ) || n.starts_with("github.event.workflow_run.pull_requests")
        || n.starts_with("github.event.issue.pull_request")
}

fn exprs(text: &str, t: &model::Text) -> Vec<expr::Expr> {
    let raw = text.get(t.span.0..t.span.1).unwrap_or_default();
    expr::find(raw, t.span.0)
}

fn job_facts(cx: &Cx<'_>, job: &Job, out: &mut Vec<Fact>) {
    let (w, text, events, privileged) = (cx.w, cx.text, cx.events, cx.privileged);
    let id = job.id.as_str();
    // The job itself, for `align_renamed_jobs`: its name and what it does.
    let mut does: Vec<String> = job.steps.iter().map(|s| s.ident.clone()).collect();
    does.extend(job.uses.iter().map(|u| u.text.clone()));
    out.push(
        fact("job", &[id], job.span)
            .text("name", &job.name)
            .text("does", does.join("\n"))
            .done(),
    );
    let triggers = || events.to_vec();
    if let Some(uses) = &job.uses {
        out.push(action_use(id, "", uses));
    }
    // (at the call, or at `secrets: inherit` when that is the line a change added)
    if let Some(span) = job.secrets_inherit {
        let target = job.uses.as_ref().map_or("", |u| u.text.as_str());
        let at = job.uses.as_ref().map_or(span, |u| u.span);
        // (keyed by the job and whose workflow it calls: re-spelling `./` as `$/` or re-pinning
        // is not new, handing the secrets to another repository is)
        let callee = match reference(target) {
            ("local", ..) => "(this repository)".to_string(),
            (_, action, ..) => action.split('/').take(2).collect::<Vec<_>>().join("/"),
        };
        let mut f = risk("secrets-inherit", id, "", target, at)
            .related([span])
            .done();
        f.key = vec!["secrets-inherit".into(), id.into(), callee];
        out.push(f);
    }
    for img in &job.images {
        let (name, pin) = image_pin(&img.text);
        let tag = img.text[name.len()..]
            .trim_start_matches([':', '@'])
            .to_string();
        out.push(
            fact("action-use", &[id, &name], img.span)
                .text("job", id)
                .text("step", "")
                .text("action", &name)
                .text("owner", "")
                .text("ref", tag)
                .text("pin", pin)
                .text("kind", "image")
                .flag("first-party", false)
                .done(),
        );
    }
    for (k, v) in &job.env {
        insecure_commands(k, v, id, out);
    }
    // Secrets a job reads in a run that forks and outsiders start: one fact a job, at the first
    // reference, naming them all (`GITHUB_TOKEN` is the token the permissions rules judge).
    if !privileged.is_empty() {
        let mut names: Vec<String> = Vec::new();
        let mut first = None;
        let strings = job.steps.iter().flat_map(|s| {
            s.run
                .iter()
                .chain(s.with.iter().map(|(_, v)| v))
                .chain(s.env.iter().map(|(_, v)| v))
        });
        for t in strings.chain(job.env.iter().map(|(_, v)| v)) {
            for e in exprs(text, t) {
                for n in &e.names {
                    if let Some(secret) = n.strip_prefix("secrets.") {
                        if secret != "GITHUB_TOKEN" && !names.iter().any(|x| x == secret) {
                            names.push(secret.to_string());
                            first.get_or_insert(e.span);
                        }
                    }
                }
            }
        }
        if let Some(span) = first {
            let mut f = risk("secrets-in-privileged-run", id, "", &names.join(", "), span)
                .list("triggers", privileged.to_vec())
                .done();
            // (keyed by the job: another secret in the same job is not a new exposure)
            f.key = vec!["secrets-in-privileged-run".into(), id.into()];
            out.push(f);
        }
    }
    let fork_reachable = events.iter().any(|e| FORK_REACHABLE.contains(&e.as_str()));
    for label in &job.runs_on {
        if label.text == "self-hosted" && fork_reachable {
            out.push(
                risk("self-hosted-runner", id, "", "self-hosted", label.span)
                    .list("triggers", triggers())
                    .done(),
            );
        }
    }
    if let Some(c) = &job.cond {
        bot_condition(id, "", c, text, privileged, out);
    }
    let release = publishes(w, job);
    // An artifact that can hold the checkout's `.git`: the workspace itself or above it.
    let uploads = job.steps.iter().any(|s| {
        s.action().is_some_and(|a| a == "actions/upload-artifact")
            && s.with("path").is_some_and(|p| {
                p.text.contains("github.workspace")
                    || p.text.lines().map(str::trim).any(|l| {
                        matches!(l, "." | "./" | ".." | "../" | "*" | "./*" | "**" | "./**")
                    })
            })
    });
    for step in &job.steps {
        step_facts(cx, job, step, JobTraits { release, uploads }, out);
    }
}

/// What the workflow around a job says, for every job and step.
struct Cx<'a> {
    w: &'a Workflow,
    text: &'a str,
    /// Every event the workflow runs on.
    events: &'a [String],
    /// Those that run with the base repository's secrets for what outsiders send.
    privileged: &'a [String],
}

/// What a job's steps are judged by: whether the job publishes, and whether it uploads an
/// artifact that can hold the checkout's `.git`.
struct JobTraits {
    release: bool,
    uploads: bool,
}

fn step_facts(cx: &Cx<'_>, job: &Job, step: &Step, traits: JobTraits, out: &mut Vec<Fact>) {
    let (w, text, events, privileged) = (cx.w, cx.text, cx.events, cx.privileged);
    let JobTraits { release, uploads } = traits;
    let id = job.id.as_str();
    let ident = step.ident.as_str();
    if let Some(uses) = &step.uses {
        out.push(action_use(id, ident, uses));
    }
    for (k, v) in &step.env {
        insecure_commands(k, v, id, out);
    }
    if let Some(c) = &step.cond {
        bot_condition(id, ident, c, text, privileged, out);
    }
    let action = step.action().unwrap_or_default();
    // Code a step runs: its script, or github-script's `script:`.
    let mut code: Vec<(&str, &model::Text)> = Vec::new();
    if let Some(r) = &step.run {
        code.push(("run", r));
    }
    if action == "actions/github-script" {
        if let Some(s) = step.with("script") {
            code.push(("script", s));
        }
    }
    // All secrets in one place: `toJSON(secrets)` anywhere in the step.
    let all_secrets = |e: &expr::Expr, out: &mut Vec<Fact>| {
        if e.names.iter().any(|n| n == "secrets" || n == "secrets.*") {
            out.push(risk("all-secrets", id, ident, &e.inner, e.span).done());
        }
    };
    // (an action's steps run under whatever triggers its callers have)
    let env_context: Vec<String> = if job.id == "(action)" {
        vec!["caller's".to_string()]
    } else {
        privileged.to_vec()
    };
    for (field, t) in &code {
        for mut e in exprs(text, t) {
            all_secrets(&e, out);
            resolve(&mut e, w, job, step, text);
            let trust = e.trust();
            if trust >= Trust::Indirect {
                let contexts: Vec<String> = e
                    .flows
                    .iter()
                    .filter(|(_, tr)| *tr == trust)
                    .map(|(c, _)| c.clone())
                    .collect();
                out.push(
                    fact("expression", &[id, field, &e.inner], e.span)
                        .text("job", id)
                        .text("step", ident)
                        .text("field", *field)
                        .text("trust", trust.name())
                        .text("expression", &e.inner)
                        .list("context", contexts)
                        .list("triggers", events.to_vec())
                        .done(),
                );
            }
        }
        if *field == "run" {
            env_file_writes(id, ident, t, text, &env_context, out);
        }
    }
    // (github-script's `script:` is a `with:` value read above as code)
    let rest = step.with.iter().chain(&step.env).map(|(_, v)| v);
    for t in rest.filter(|t| !code.iter().any(|(_, c)| c.span == t.span)) {
        for e in exprs(text, t) {
            all_secrets(&e, out);
        }
    }
    // A checkout (or a download of the triggering run's artifacts) of code a fork sent, in a
    // run that holds the base repository's secrets.
    if !privileged.is_empty() {
        let head_ref = step
            .with("ref")
            .into_iter()
            .chain(step.with("repository"))
            .flat_map(|r| {
                let refs_pull = r.text.contains("refs/pull/");
                exprs(text, r)
                    .into_iter()
                    .filter(move |e| {
                        refs_pull
                            || names_untrusted_head(e)
                            || e.names.iter().any(|n| {
                                n.contains(".outputs.")
                                    && output_trust(w, job, n, text, 0).is_some_and(|(_, from)| {
                                        from.iter().any(|f| untrusted_head(f))
                                    })
                            })
                    })
                    .map(|e| (e.inner.clone(), e.span))
                    .collect::<Vec<_>>()
            })
            .next()
            .or_else(|| {
                let r = step.with("ref")?;
                r.text
                    .contains("refs/pull/")
                    .then(|| (r.text.clone(), r.span))
            });
        let checkout = matches!(action, "actions/checkout");
        if let (true, Some((detail, span))) = (checkout, head_ref) {
            out.push(
                risk("untrusted-checkout", id, ident, &detail, span)
                    .text("how", "checkout")
                    .list("triggers", privileged.to_vec())
                    .done(),
            );
        }
        if let Some(r) = &step.run {
            for (needle, how) in [("gh pr checkout", "run"), ("git fetch origin pull/", "run")] {
                if let Some(at) = r.text.find(needle) {
                    let raw = text.get(r.span.0..r.span.1).unwrap_or_default();
                    let off = raw.find(needle).unwrap_or(at);
                    let span = (r.span.0 + off, r.span.0 + off + needle.len());
                    out.push(
                        risk("untrusted-checkout", id, ident, needle, span)
                            .text("how", how)
                            .list("triggers", privileged.to_vec())
                            .done(),
                    );
                }
            }
        }
        if action == "actions/download-artifact"
            && privileged.iter().any(|p| p == "workflow_run")
            && step.with("run-id").is_some()
        {
            let u = step.uses.as_ref().map_or(step.span, |u| u.span);
            out.push(
                risk("untrusted-checkout", id, ident, "artifact", u)
                    .text("how", "artifact")
                    .list("triggers", privileged.to_vec())
                    .done(),
            );
        }
    }
    // Credentials persisted in `.git/config` by a checkout, in a job that uploads artifacts.
    if action == "actions/checkout" {
        // (an explicit `true` is a choice: the job pushes with the token)
        let persists = step.with("persist-credentials").is_none();
        if persists {
            let u = step.uses.as_ref().map_or(step.span, |u| u.span);
            out.push(
                risk("persisted-credentials", id, ident, action, step.span)
                    .flag("uploads", uploads)
                    .related([u])
                    .done(),
            );
        }
    }
    // A cache restored in a job that publishes: a poisoned cache ships with the release.
    if release && caches(step) {
        let u = step.uses.as_ref().map_or(step.span, |u| u.span);
        out.push(risk("cache-in-release", id, ident, action, u).done());
    }
}

/// Actions that publish what the job built (a package, a release, an image).
const PUBLISHERS: &[&str] = &[
    "pypa/gh-action-pypi-publish",
    "rubygems/release-gem",
    "goreleaser/goreleaser-action",
    "softprops/action-gh-release",
    "ncipollo/release-action",
    "release-drafter/release-drafter",
    "googleapis/release-please-action",
    "google-github-actions/release-please-action",
    "changesets/action",
    "JS-DevTools/npm-publish",
];

/// Commands in a script that publish.
const PUBLISH_COMMANDS: &[&str] = &[
    "npm publish",
    "pnpm publish",
    "yarn publish",
    "yarn npm publish",
    "cargo publish",
    "twine upload",
    "uv publish",
    "poetry publish",
    "gem push",
    "gh release create",
];

/// Whether a job publishes: it runs a publishing action or command, or the workflow runs only
/// for published releases. (A tag or a release-branch trigger alone is not enough: such
/// workflows also build and test in jobs that publish nothing.)
fn publishes(w: &Workflow, job: &Job) -> bool {
    let release_only = !w.triggers.is_empty() && w.triggers.iter().all(|t| t.event == "release");
    release_only
        || job.steps.iter().any(|s| {
            let a = s.action().unwrap_or_default();
            PUBLISHERS.iter().any(|p| a.eq_ignore_ascii_case(p))
                || (a == "docker/build-push-action"
                    && s.with("push").is_some_and(|p| p.text != "false"))
                || s.run.as_ref().is_some_and(|r| {
                    r.text.lines().any(|l| {
                        PUBLISH_COMMANDS.iter().any(|c| l.contains(c)) && !l.contains("--dry-run")
                    })
                })
        })
}

/// Whether a step restores a cache: `actions/cache`, or a setup action with its cache on
/// (`setup-go` caches unless told not to; the others when asked to).
fn caches(step: &Step) -> bool {
    let a = step.action().unwrap_or_default().to_ascii_lowercase();
    let on = |k: &str| {
        step.with(k)
            .is_some_and(|v| !matches!(v.text.as_str(), "" | "false"))
    };
    let off = |k: &str| step.with(k).is_some_and(|v| v.text == "false");
    match a.as_str() {
        "actions/cache" | "actions/cache/restore" => !on("lookup-only"),
        "actions/setup-go" => !off("cache"),
        // (setup-node v5 caches by itself only when package.json names a `packageManager`,
        // which the workflow does not show: an explicit cache is what counts)
        "actions/setup-node" => on("cache") || on("package-manager-cache"),
        "actions/setup-python" | "actions/setup-java" | "actions/setup-dotnet" => {
            on("cache") || on("cache-dependency-path")
        }
        "astral-sh/setup-uv" => on("enable-cache"),
        "swatinem/rust-cache" => true,
        "ruby/setup-ruby" => on("bundler-cache"),
        "gradle/actions/setup-gradle" => !on("cache-disabled"),
        _ => false,
    }
}

/// Contexts whose value the workflow itself spells out: a `matrix.*` of a matrix written as
/// literals (no `${{ }}` in it) is one of the author's values; an `env.*` set on the step, the
/// job or the workflow is as trusted as what it is set to (a literal: safe). Anything else keeps
/// the trust `expr` gave it.
fn resolve(e: &mut expr::Expr, w: &Workflow, job: &Job, step: &Step, text: &str) {
    let literal_matrix = job
        .matrix
        .and_then(|(a, b)| text.get(a..b))
        .is_some_and(|m| !m.contains("${{"));
    for (c, t) in e.flows.iter_mut() {
        let input = c
            .strip_prefix("inputs.")
            .or_else(|| c.strip_prefix("github.event.inputs."));
        if let Some(name) = input {
            // a boolean, a number, one of a list of choices or an environment's name is not
            // free text
            let types: Vec<&str> = w
                .triggers
                .iter()
                .flat_map(|t| &t.inputs)
                .filter(|(n, _)| n == name)
                .map(|(_, ty)| ty.as_str())
                .collect();
            if !types.is_empty()
                && types
                    .iter()
                    .all(|ty| matches!(*ty, "boolean" | "number" | "choice" | "environment"))
            {
                *t = Trust::Safe;
            }
        } else if c.starts_with("matrix.") && literal_matrix {
            *t = Trust::Safe;
        } else if c.contains(".outputs.") {
            // a step's or a job's output is as trusted as what the workflow set it from
            if let Some((trust, sources)) = output_trust(w, job, c, text, 0) {
                *t = trust;
                if trust == Trust::Attacker && !sources.is_empty() {
                    *c = format!("{c} (set from {})", sources.join(", "));
                }
            }
        } else if let Some(name) = c.strip_prefix("env.") {
            let set = step
                .env
                .iter()
                .chain(&job.env)
                .chain(&w.env)
                .find(|(k, _)| k.text == name);
            if let Some((_, v)) = set {
                *t = exprs(text, v)
                    .iter()
                    .map(|x| x.trust())
                    .max()
                    .unwrap_or(Trust::Safe)
                    .min(Trust::Attacker);
            }
        }
    }
}

/// What a `steps.ID.outputs.NAME` (of `job`) or `needs.JOB.outputs.NAME` context holds, when
/// the workflow shows it: the trust of what it was set from, and the contexts it was set from.
/// A step output is set by a line of the step's script that writes `NAME=…` to
/// `$GITHUB_OUTPUT`; a job output by the job's `outputs:`. None when the workflow does not say
/// (an action's output, an output written by a tool).
fn output_trust(
    w: &Workflow,
    job: &Job,
    ctx: &str,
    text: &str,
    depth: usize,
) -> Option<(Trust, Vec<String>)> {
    if depth > 4 {
        return None;
    }
    let parts: Vec<&str> = ctx.split('.').collect();
    let judge = |values: Vec<expr::Expr>, job: &Job| -> (Trust, Vec<String>) {
        let mut trust = Trust::Safe;
        let mut sources = Vec::new();
        for e in values {
            for (c, t) in &e.flows {
                let (t, mut from) = if c.contains(".outputs.") {
                    output_trust(w, job, c, text, depth + 1).unwrap_or((*t, vec![c.clone()]))
                } else {
                    (*t, vec![c.clone()])
                };
                if t > trust {
                    trust = t;
                    sources.clear();
                }
                if t == trust {
                    sources.append(&mut from);
                }
            }
        }
        sources.sort();
        sources.dedup();
        (trust, sources)
    };
    match parts.as_slice() {
        ["steps", id, "outputs", name] => {
            let step = job
                .steps
                .iter()
                .find(|s| s.ident.strip_prefix("id:") == Some(id))?;
            let run = step.run.as_ref()?;
            let raw = text.get(run.span.0..run.span.1)?;
            let mut at = run.span.0;
            let mut values = Vec::new();
            let mut found = false;
            for line in raw.split_inclusive('\n') {
                let start = at;
                at += line.len();
                let sets = line.contains("GITHUB_OUTPUT")
                    && (line.contains(&format!("{name}=")) || line.contains(&format!("{name}<<")));
                if sets {
                    // (a command's output: computed, of unknown trust)
                    if line.contains("$(") || line.contains('`') {
                        return None;
                    }
                    found = true;
                    values.extend(expr::find(line, start));
                    // `echo "title=$TITLE"`, with `TITLE` from the step's `env:`
                    for var in shell_vars(line) {
                        if let Some((_, v)) = step.env.iter().find(|(k, _)| k.text == var) {
                            values.extend(exprs(text, v));
                        }
                    }
                }
            }
            // (written from the shell alone: a computed value, of unknown trust)
            if !found || values.is_empty() {
                return None;
            }
            Some(judge(values, job))
        }
        ["needs", other, "outputs", name] => {
            let producer = w.jobs.iter().find(|j| j.id == *other)?;
            let (_, v) = producer.outputs.iter().find(|(k, _)| k.text == *name)?;
            Some(judge(exprs(text, v), producer))
        }
        _ => None,
    }
}

/// Variables the runner sets to its own paths and the run's fixed values: text written from
/// them carries nothing an outsider chose.
const RUNNER_VARS: &[&str] = &[
    "HOME",
    "USERPROFILE",
    "PWD",
    "PATH",
    "TEMP",
    "TMP",
    "RUNNER_TEMP",
    "RUNNER_TOOL_CACHE",
    "RUNNER_WORKSPACE",
    "RUNNER_OS",
    "RUNNER_ARCH",
    "GITHUB_WORKSPACE",
    "GITHUB_REPOSITORY",
    "GITHUB_REPOSITORY_OWNER",
    "GITHUB_SHA",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_NUMBER",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_ACTION_PATH",
    "GITHUB_SERVER_URL",
    "GITHUB_API_URL",
];

/// The names of the shell variables a line expands (`$NAME`, `${NAME}`, `${NAME:-x}`,
/// PowerShell `$env:NAME`).
fn shell_vars(line: &str) -> impl Iterator<Item = &str> {
    line.match_indices('$').filter_map(|(i, _)| {
        let rest = &line[i + 1..];
        let rest = rest.strip_prefix("env:").unwrap_or(rest);
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            .then_some(name)
    })
}

/// Writes to `$GITHUB_ENV`/`$GITHUB_PATH` (the following steps' environment) in a run that
/// reads untrusted input, and secrets written to `$GITHUB_ENV`/`$GITHUB_OUTPUT`.
fn env_file_writes(
    job: &str,
    step: &str,
    t: &model::Text,
    text: &str,
    privileged: &[String],
    out: &mut Vec<Fact>,
) {
    let raw = text.get(t.span.0..t.span.1).unwrap_or_default();
    let mut at = 0;
    for line in raw.split_inclusive('\n') {
        let start = t.span.0 + at;
        at += line.len();
        // (sh `$GITHUB_ENV`/`${GITHUB_ENV}`, PowerShell `$env:GITHUB_ENV`, cmd `%GITHUB_ENV%`)
        let target = ["GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT"]
            .into_iter()
            .find(|v| {
                [
                    format!("${v}"),
                    format!("${{{v}}}"),
                    format!("$env:{v}"),
                    format!("%{v}%"),
                ]
                .iter()
                .any(|form| line.contains(form.as_str()))
            });
        let Some(target) = target else {
            // A secret printed to the log: GitHub masks its exact value, not a transformed one
            // (`| base64`, a substring, a JSON escape).
            let cmd = line.trim_start();
            let prints = ["echo ", "printf ", "Write-Host ", "Write-Output "]
                .iter()
                .any(|p| cmd.starts_with(p));
            // (piped into a command, `| docker login --password-stdin`, it is not printed,
            // unless that command prints it re-encoded: `| base64`, `| rev`, …)
            let piped_to = cmd.split_once('|').map(|(_, rest)| rest.trim_start());
            let reencoded = piped_to.is_some_and(|p| {
                [
                    "base64", "xxd", "od ", "rev", "tr ", "sed ", "cut ", "awk ", "tee ", "cat",
                ]
                .iter()
                .any(|t| p.starts_with(t))
            });
            if prints && !cmd.contains('>') && (piped_to.is_none() || reencoded) {
                if let Some(e) = expr::find(line, start)
                    .into_iter()
                    .find(|e| e.names.iter().any(|n| n.starts_with("secrets.")))
                {
                    out.push(risk("secret-printed", job, step, &e.inner, e.span).done());
                }
            }
            continue;
        };
        // What is written: the line without the target's name. Literal text (`echo "A=1"`)
        // cannot carry anything from the event.
        let mut written = line.to_string();
        for form in [
            format!("$env:{target}"),
            format!("${{{target}}}"),
            format!("${target}"),
            format!("%{target}%"),
        ] {
            written = written.replace(&form, "");
        }
        let dynamic = written.contains('`')
            || written.contains("$(")
            || expr::find(&written, 0)
                .iter()
                .any(|e| e.trust() > Trust::Secret)
            || shell_vars(&written).any(|v| !RUNNER_VARS.contains(&v));
        let trimmed = line.trim_end_matches(['\n', '\r']);
        let lead = trimmed.len() - trimmed.trim_start().len();
        let span = (start + lead, start + trimmed.len());
        // (a secret passed to a command inside `$( )` is not what is written)
        let in_substitution = |e: &expr::Expr| {
            let before = &line[..e.span.0 - start];
            before.matches("$(").count() > before.matches(')').count()
        };
        if let Some(e) = expr::find(line, start)
            .into_iter()
            .find(|e| e.names.iter().any(|n| n.starts_with("secrets.")) && !in_substitution(e))
        {
            out.push(risk("secret-to-env-file", job, step, target, e.span).done());
        } else if target != "GITHUB_OUTPUT" && !privileged.is_empty() && dynamic {
            out.push(
                risk("env-file-write", job, step, target, span)
                    .list("triggers", privileged.to_vec())
                    .done(),
            );
        }
    }
}

/// An `if:` that trusts an actor's name (`github.actor == 'dependabot[bot]'`): the actor of a
/// `pull_request_target` or `workflow_run` run is whoever last acted, not who wrote the code.
fn bot_condition(
    job: &str,
    step: &str,
    c: &model::Text,
    text: &str,
    privileged: &[String],
    out: &mut Vec<Fact>,
) {
    if privileged.is_empty() {
        return;
    }
    let raw = text.get(c.span.0..c.span.1).unwrap_or_default();
    let actor = ["github.actor", "github.triggering_actor"]
        .into_iter()
        .find(|a| raw.contains(a));
    if let (Some(a), true) = (actor, raw.contains("[bot]")) {
        let off = raw.find(a).unwrap_or(0);
        out.push(
            risk(
                "bot-condition",
                job,
                step,
                a,
                (c.span.0 + off, c.span.0 + off + a.len()),
            )
            .list("triggers", privileged.to_vec())
            .done(),
        );
    }
}

/// Where a fact kind keeps the job in its key.
fn job_in_key(kind: &str) -> Option<usize> {
    match kind {
        "job" | "job-permission" | "action-use" | "expression" => Some(0),
        "permissions" | "workflow-risk" => Some(1),
        _ => None,
    }
}

/// A job renamed by the change keeps its identity: a job of the new side whose id the old side
/// lacks is paired with an old job the new side lacks that has the same `name:`, or else does
/// the same (the same steps, or calls the same workflow), and its facts are keyed by the old id,
/// so a rename reports nothing and a rename that also widens reports the widening.
pub fn align_renamed_jobs(old: &[Fact], new: &mut [Fact]) {
    let jobs = |facts: &[Fact]| -> Vec<(String, String, String)> {
        facts
            .iter()
            .filter(|f| f.kind == "job")
            .map(|f| {
                (
                    f.key[0].clone(),
                    f.text("name").to_string(),
                    f.text("does").to_string(),
                )
            })
            .collect()
    };
    let (before, after) = (jobs(old), jobs(new));
    let gone: Vec<&(String, String, String)> = before
        .iter()
        .filter(|(id, ..)| !after.iter().any(|(n, ..)| n == id))
        .collect();
    let mut taken = vec![false; gone.len()];
    let mut renamed: Vec<(String, String)> = Vec::new();
    for (id, name, does) in after
        .iter()
        .filter(|(id, ..)| !before.iter().any(|(o, ..)| o == id))
    {
        let same = |pick: &dyn Fn(&(String, String, String)) -> bool| {
            gone.iter()
                .enumerate()
                .find(|(i, g)| !taken[*i] && pick(g))
                .map(|(i, _)| i)
        };
        // (then: most of the same steps, for a job renamed and edited in one change)
        let alike = |a: &str, b: &str| {
            let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
            let shared = a.iter().filter(|x| b.contains(x)).count();
            shared * 2 > a.len().max(b.len()) && shared > 0
        };
        let hit = same(&|g| !name.is_empty() && g.1 == *name)
            .or_else(|| same(&|g| !does.is_empty() && g.2 == *does))
            .or_else(|| same(&|g| alike(&g.2, does)));
        if let Some(i) = hit {
            taken[i] = true;
            renamed.push((id.clone(), gone[i].0.clone()));
        }
    }
    for f in new.iter_mut() {
        let Some(at) = job_in_key(f.kind) else {
            continue;
        };
        if let Some((_, was)) = renamed.iter().find(|(now, _)| f.key.get(at) == Some(now)) {
            f.key[at] = was.clone();
        }
    }
}

/// The judgements a changed `job-permission` needs both sides for: `widened` (each scope that
/// gained access, but `id-token`, which has its own attribute), `widened-to` (`write` when one
/// of them can now write, else `read`), `fallback` (the job's blocks are gone and it takes the
/// repository default or its caller's token), and `who` (the job, or every job that one edit
/// of the workflow's block widened alike: one finding, not one per job). The fact's related
/// spans become those of the widened scopes, so the finding lands on the line that widened.
pub fn judge(deltas: &mut [Delta]) {
    // A new job that can mint OIDC tokens is shown at its `id-token` line.
    for d in deltas.iter_mut() {
        if let (DeltaKind::Added, Some(n)) = (&d.kind, d.new.as_mut()) {
            if n.kind == "job-permission" && n.text("id-token") == "write" {
                let at = n.text("order").lines().position(|s| s == "id-token");
                if let Some(sp) = at.and_then(|i| n.related.get(i)).copied() {
                    n.span = sp;
                }
            }
        }
    }
    let mut groups: Vec<(String, usize, Vec<String>)> = Vec::new();
    for (i, d) in deltas.iter_mut().enumerate() {
        let (DeltaKind::Changed, Some(old), Some(new)) = (&d.kind, &d.old, d.new.as_mut()) else {
            continue;
        };
        if new.kind != "job-permission" {
            continue;
        }
        let list = |f: &Fact, a: &str| -> Vec<String> {
            match f.attrs.get(a) {
                Some(Value::List(l)) => l.clone(),
                _ => Vec::new(),
            }
        };
        let level = |f: &Fact, s: &str| {
            if list(f, "write").iter().any(|x| x == s) {
                Level::Write
            } else if list(f, "read").iter().any(|x| x == s) {
                Level::Read
            } else {
                Level::None
            }
        };
        let mut scopes: Vec<String> = SCOPES.iter().map(|s| s.to_string()).collect();
        for f in [old, &*new] {
            scopes.extend(list(f, "write"));
            scopes.extend(list(f, "read"));
        }
        scopes.sort();
        scopes.dedup();
        let mut widened = Vec::new();
        let mut widened_scopes = Vec::new();
        let mut to_write = false;
        for s in scopes.iter().filter(|s| *s != "id-token") {
            let (a, b) = (level(old, s), level(new, s));
            if b > a {
                widened.push(format!("{s}: {} → {}", a.name(), b.name()));
                widened_scopes.push(s.clone());
                to_write |= b == Level::Write;
            }
        }
        // the spans of the scopes that widened, in the block's order
        let order: Vec<&str> = new.text("order").lines().collect();
        // (and then `id-token`'s, when it newly writes: ci/id-token-write lands there)
        let id_token = new.text("id-token") == "write" && old.text("id-token") != "write";
        let pick = |want: &dyn Fn(&str) -> bool| -> Vec<(usize, usize)> {
            order
                .iter()
                .zip(new.related.iter())
                .filter(|(s, _)| want(s))
                .map(|(_, sp)| *sp)
                .collect()
        };
        let mut spans = pick(&|s| widened_scopes.iter().any(|w| w == s));
        if id_token {
            spans.extend(pick(&|s| s == "id-token"));
        }
        if !spans.is_empty() {
            new.related = spans;
        }
        let implicit = |f: &Fact| matches!(f.text("source"), "default" | "caller");
        let fallback = implicit(new) && !implicit(old);
        let by_workflow = old.text("source") == "workflow"
            && matches!(new.text("source"), "workflow" | "default" | "caller");
        if by_workflow && !widened.is_empty() {
            let key = format!("{}|{}|{}", new.text("source"), fallback, widened.join(","));
            let job = new.text("job").to_string();
            match groups.iter_mut().find(|(k, ..)| *k == key) {
                Some((_, _, jobs)) => {
                    jobs.push(job);
                    // (the first job of the group speaks for all)
                    widened.clear();
                }
                None => groups.push((key, i, vec![job])),
            }
        }
        let attrs = [
            ("widened-to", if to_write { "write" } else { "read" }.to_string()),
            ("fallback", if fallback { "true" } else { "false" }.to_string()),
            (
                "now",
                match new.text("source") {
                    "caller" => "the calling job's token".to_string(),
                    _ => "the repository's default token (read and write on most scopes unless the repository or organization restricts it)".to_string(),
                },
            ),
            (
                "before",
                match old.text("source") {
                    "default" => "the repository default".to_string(),
                    "caller" => "the calling job's token".to_string(),
                    s => format!("{s} `permissions`"),
                },
            ),
            ("who", format!("job `{}`", new.text("job"))),
        ];
        for (k, v) in attrs {
            new.attrs.insert(k.into(), Value::Text(v));
        }
        new.attrs.insert("widened".into(), Value::List(widened));
    }
    // A write scope the change added at the workflow level is said by the widening it caused.
    let widened_to_write: Vec<String> = deltas
        .iter()
        .filter_map(|d| d.new.as_ref())
        .filter(|n| n.kind == "job-permission")
        .flat_map(|n| match n.attrs.get("widened") {
            Some(Value::List(l)) => l.clone(),
            _ => Vec::new(),
        })
        .filter_map(|w| {
            w.strip_suffix(" → write")
                .map(|s| s.split(':').next().unwrap_or(s).to_string())
        })
        .collect();
    for d in deltas.iter_mut() {
        if let (DeltaKind::Added, Some(n)) = (&d.kind, d.new.as_mut()) {
            if n.kind == "workflow-risk" && n.text("risk") == "workflow-write-scope" {
                let said = widened_to_write.iter().any(|s| s == n.text("detail"));
                n.attrs.insert(
                    "widening".into(),
                    Value::Text(if said { "true" } else { "false" }.into()),
                );
            }
        }
    }
    for (_, i, jobs) in groups {
        if let Some(n) = deltas[i].new.as_mut() {
            if jobs.len() > 1 {
                // (short enough for a message: the first few by name, then how many more)
                let names: Vec<String> = jobs.iter().take(4).map(|j| format!("`{j}`")).collect();
                let more = match jobs.len().saturating_sub(4) {
                    0 => String::new(),
                    n => format!(" and {n} more"),
                };
                n.attrs.insert(
                    "who".into(),
                    Value::Text(format!("jobs {}{more}", names.join(", "))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
