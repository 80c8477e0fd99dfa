//! SARIF 2.1.0 for GitHub code scanning and SARIF viewers.
//!
//! Every enabled rule is declared (an upload without a rule closes its alerts), URIs are relative
//! to `%SRCROOT%`, fingerprints hold no line number, and notifications for unreadable files go
//! into `toolExecutionNotifications`. Output is deterministic: no timestamps, sorted results.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};
use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Invocation, Location, Message, MultiformatMessageString,
    Notification as SarifNotification, PhysicalLocation, PropertyBag, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
    RunAutomationDetails, Sarif, Tool, ToolComponent, VersionControlDetails,
};
use sha2::{Digest, Sha256};

use super::{first_paragraph, Report};
use crate::finding::{Finding, Level, Severity};
use crate::rules::Rule;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> ResultLevel {
    match s.level() {
        Level::Error => ResultLevel::Error,
        Level::Warning => ResultLevel::Warning,
        Level::Note => ResultLevel::Note,
    }
}

fn level_name(s: Severity) -> &'static str {
    match level(s) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        _ => "recommendation",
    }
}

fn file_uri(dir: &std::path::Path) -> String {
    let mut s = crate::source::encode_uri_path(&dir.to_string_lossy());
    if !s.starts_with('/') {
        s.insert(0, '/');
    }
    if !s.ends_with('/') {
        s.push('/');
    }
    format!("file://{s}")
}

/// `ThisIsTheName` from `auth/this-is-the-name`.
fn rule_name(id: &str) -> String {
    id.rsplit('/')
        .next()
        .unwrap_or(id)
        .split(['-', '_', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max - 1).collect::<String>() + "…"
    }
}

fn bag(tags: Option<Vec<String>>, props: BTreeMap<String, Value>) -> PropertyBag {
    PropertyBag {
        tags,
        additional_properties: props,
    }
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let mut tags = vec!["security".to_string(), rule.category.as_str().to_string()];
    for c in &rule.cwe {
        tags.push(format!("external/cwe/{}", c.to_ascii_lowercase()));
    }
    for t in &rule.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    tags.truncate(20);
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".into(),
        json!(rule.severity.security_severity()),
    );
    props.insert(
        "precision".into(),
        json!(match rule.confidence {
            crate::finding::Confidence::High => "high",
            crate::finding::Confidence::Medium => "medium",
            crate::finding::Confidence::Low => "low",
        }),
    );
    props.insert("problem.severity".into(), json!(level_name(rule.severity)));
    props.insert("category".into(), json!(rule.category.as_str()));
    props.insert("diff".into(), json!(rule.diff.as_str()));
    let mut help_md = rule.help.trim().to_string();
    if !rule.references.is_empty() {
        help_md.push_str("\n\n**References**\n");
        for r in &rule.references {
            help_md.push_str(&format!("\n- <{r}>"));
        }
    }
    let full = truncate(&first_paragraph(&rule.help), 1024);
    ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(truncate(&rule_name(&rule.id), 255))
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.title.clone())
                .build(),
        )
        .full_description(MultiformatMessageString::builder().text(full).build())
        .help(
            MultiformatMessageString::builder()
                .text(rule.help.trim().to_string())
                .markdown(help_md)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(match level(rule.severity) {
                    ResultLevel::Error => "error",
                    ResultLevel::Warning => "warning",
                    _ => "note",
                }))
                .build(),
        )
        .properties(bag(Some(tags), props))
        .build()
        .with_help_uri(rule.references.first().cloned())
}

trait WithHelpUri {
    fn with_help_uri(self, uri: Option<String>) -> Self;
}

impl WithHelpUri for ReportingDescriptor {
    fn with_help_uri(mut self, uri: Option<String>) -> Self {
        self.help_uri = uri;
        self
    }
}

fn artifact(path: &str) -> ArtifactLocation {
    ArtifactLocation::builder()
        .uri(crate::source::encode_uri_path(path))
        .uri_base_id("%SRCROOT%")
        .build()
}

fn line_hash(f: &Finding) -> String {
    let mut h = Sha256::new();
    h.update(f.path.as_bytes());
    h.update([0]);
    h.update(f.fingerprint.as_bytes());
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn result(f: &Finding, rule_index: Option<usize>, occurrence: usize) -> SarifResult {
    let region = Region::builder()
        .start_line(i64::from(f.region.start_line))
        .start_column(i64::from(f.region.start_column))
        .end_line(i64::from(f.region.end_line))
        .end_column(i64::from(f.region.end_column))
        .snippet(ArtifactContent::builder().text(f.snippet.clone()).build())
        .build();
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact(&f.path))
                .region(region)
                .build(),
        )
        .build();
    let mut partial = BTreeMap::new();
    partial.insert(
        "primaryLocationLineHash".to_string(),
        format!("{}:{occurrence}", line_hash(f)),
    );
    partial.insert("diffward/v1".to_string(), f.fingerprint.clone());
    let mut props = BTreeMap::new();
    props.insert("category".into(), json!(f.category.as_str()));
    props.insert("severity".into(), json!(f.severity.as_str()));
    props.insert("confidence".into(), json!(f.confidence.as_str()));
    props.insert("side".into(), json!(f.side));
    if let Some(s) = &f.secret {
        props.insert(
            "secret".into(),
            json!({ "prefix": s.prefix, "length": s.length }),
        );
    }
    if let Some(p) = &f.provenance {
        props.insert("commit".into(), json!(p.commit));
        props.insert("author".into(), json!(p.author));
        props.insert("aiAssisted".into(), json!(p.ai_assisted));
        if let Some(a) = &p.assistant {
            props.insert("aiAssistant".into(), json!(a));
        }
    }
    if let Some(l) = f.base_line {
        props.insert("baseLine".into(), json!(l));
    }
    let mut r = SarifResult::builder()
        .rule_id(f.rule_id.clone())
        .level(level(f.severity))
        .message(Message::builder().text(f.message.clone()).build())
        .locations(vec![location])
        .partial_fingerprints(partial)
        .properties(bag(None, props))
        .build();
    r.rule_index = rule_index.map(|i| i as i64);
    if let Some(s) = &f.suppression {
        r.suppressions = Some(vec![suppression(s)]);
    }
    r
}

/// SARIF's `suppression`: an allow comment is `inSource`, a baseline entry `external`; both
/// are `accepted` (the project said so), located where they are written.
fn suppression(s: &crate::finding::Suppression) -> serde_sarif::sarif::Suppression {
    let mut out = serde_sarif::sarif::Suppression::builder()
        .kind(json!(match s.kind {
            crate::finding::SuppressionKind::InSource => "inSource",
            crate::finding::SuppressionKind::External => "external",
        }))
        .status(json!("accepted"))
        .justification(s.justification.clone())
        .build();
    if s.line > 0 {
        out.location = Some(
            Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(artifact(&s.path))
                        .region(Region::builder().start_line(i64::from(s.line)).build())
                        .build(),
                )
                .build(),
        );
    }
    let mut props = BTreeMap::new();
    props.insert("addedByChange".into(), json!(s.added_by_change));
    if let Some(o) = &s.owner {
        props.insert("owner".into(), json!(o));
    }
    if let Some(e) = &s.expires {
        props.insert("expires".into(), json!(e));
    }
    out.properties = Some(bag(None, props));
    out
}

pub fn to_sarif(report: &Report<'_>) -> Sarif {
    let rules: Vec<ReportingDescriptor> = report.rules.rules.iter().map(descriptor).collect();
    let index: HashMap<&str, usize> = report
        .rules
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Suppressed findings only when asked: GitHub shows them as open alerts.
    let suppressed: &[Finding] = if report.include_suppressed {
        report.suppressed
    } else {
        &[]
    };
    let results: Vec<SarifResult> = report
        .findings
        .iter()
        .chain(suppressed)
        .map(|f| {
            let n = seen.entry(line_hash(f)).or_default();
            *n += 1;
            result(f, index.get(f.rule_id.as_str()).copied(), *n)
        })
        .collect();
    let notifications: Vec<SarifNotification> = report
        .notifications
        .iter()
        .map(|n| {
            SarifNotification::builder()
                .message(
                    Message::builder()
                        .text(format!("{}: {}", n.path, n.message))
                        .build(),
                )
                .level(json!("warning"))
                .locations(vec![Location::builder()
                    .physical_location(
                        PhysicalLocation::builder()
                            .artifact_location(artifact(&n.path))
                            .build(),
                    )
                    .build()])
                .build()
        })
        .collect();
    let mut invocation = Invocation::builder().execution_successful(true).build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let mut driver = ToolComponent::builder()
        .name("diffward")
        .full_name(format!("diffward {}", env!("CARGO_PKG_VERSION")))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver.information_uri = Some(repository.to_string());
    }
    let mut base_ids = BTreeMap::new();
    base_ids.insert(
        "%SRCROOT%".to_string(),
        ArtifactLocation::builder()
            .uri(file_uri(report.root))
            .build(),
    );
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .original_uri_base_ids(base_ids)
        .automation_details(RunAutomationDetails::builder().id("diffward/").build())
        .column_kind(json!("unicodeCodePoints"))
        .build();
    let ai = super::ai_commits(report.findings);
    if !ai.is_empty() {
        let mut props = BTreeMap::new();
        props.insert("aiAssisted".into(), super::ai_commits_json(&ai));
        run.properties = Some(bag(None, props));
    }
    if let Some(repo) = report.repo {
        if let Some(url) = &repo.remote_url {
            let mut vcs = VersionControlDetails::builder()
                .repository_uri(url.clone())
                .build();
            vcs.revision_id = repo.revision.clone();
            vcs.mapped_to = Some(ArtifactLocation::builder().uri_base_id("%SRCROOT%").build());
            vcs.branch = repo.branch.clone();
            run.version_control_provenance = Some(vec![vcs]);
        }
    }
    Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

pub fn render(report: &Report<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&to_sarif(report)).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            crate::source::encode_uri_path("src/my file.py"),
            "src/my%20file.py"
        );
        assert_eq!(crate::source::encode_uri_path("é.py"), "%C3%A9.py");
        assert_eq!(
            rule_name("auth/tls-verify-disabled-python"),
            "TlsVerifyDisabledPython"
        );
    }
}
