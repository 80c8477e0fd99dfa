//! Reading rule files, built-in or the user's, through one path, with errors that point at the
//! YAML line and column.

use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};

use super::compile::{compile, CompileError, Rule};
use super::schema::RuleFile;
use super::spans::Spans;

/// A rule file that could not be read, parsed or compiled.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{file}:{line}:{column}: {message}")]
#[diagnostic(code(diffward::rule))]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("here")]
    span: Option<SourceSpan>,
    #[help]
    help: Option<String>,
}

impl RuleError {
    fn at(
        file: &str,
        src: &str,
        offset: usize,
        message: String,
        help: Option<String>,
    ) -> Box<Self> {
        let offset = offset.min(src.len());
        let (line, column) = line_col(src, offset);
        Box::new(RuleError {
            file: file.to_string(),
            line,
            column,
            message,
            src: NamedSource::new(file, src.to_string()),
            span: Some(SourceSpan::from((offset, 0))),
            help,
        })
    }

    fn unreadable(file: &str, message: String) -> Box<Self> {
        Box::new(RuleError {
            file: file.to_string(),
            line: 1,
            column: 1,
            message,
            src: NamedSource::new(file, String::new()),
            span: None,
            help: None,
        })
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..floor_char_boundary(src, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn offset_of(src: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in src.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = l
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return off + col_bytes;
        }
        off += l.len();
    }
    src.len()
}

/// Parse and compile one rule file's text. `name` is how errors refer to it.
/// With `eager`, every query is compiled now, so an error points at the YAML.
pub fn load_text(name: &str, src: &str, eager: bool) -> Result<Vec<Rule>, Box<RuleError>> {
    let file: RuleFile = serde_yaml::from_str(src).map_err(|e| {
        let offset = e
            .location()
            .map(|l| offset_of(src, l.line(), l.column()))
            .unwrap_or(0);
        let msg = e.to_string();
        // serde_yaml appends " at line L column C"; the location is in our prefix already.
        let msg = match msg.find(" at line ") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        };
        RuleError::at(
            name,
            src,
            offset,
            msg,
            Some("see `diffward rules schema` for the format".into()),
        )
    })?;
    let mut rules = Vec::with_capacity(file.rules.len());
    // Positions are only needed for an error; the YAML is parsed for them then.
    let spans = std::cell::OnceCell::new();
    for (index, raw) in file.rules.into_iter().enumerate() {
        let id = raw.id.clone();
        match compile(raw, name, eager) {
            Ok(rule) => rules.push(rule),
            Err(e) => {
                // Ids are unique in a file (or the first one's line is as good as any).
                let rule_start = find_rule_start(src, &id, 0);
                let spans = spans.get_or_init(|| Spans::of(src));
                let at = |(l, c): (usize, usize)| offset_of(src, l, c);
                let base = format!("rules[{index}]");
                let rule_start = spans.value(&base).map_or(rule_start, at);
                let field = format!("{base}.{}", e.field);
                let deep = format!("{field}.{}", e.path.join("."));
                let key_at = spans
                    .key(&deep)
                    .filter(|_| !e.path.is_empty())
                    .or_else(|| spans.key(&field).filter(|_| e.inner.is_none()))
                    .map(at);
                return Err(match key_at {
                    Some(offset) => RuleError::at(
                        name,
                        src,
                        offset,
                        format!("rule `{id}`: {}", e.message),
                        e.help,
                    ),
                    None => locate_compile_error(name, src, rule_start, &id, e),
                });
            }
        }
    }
    Ok(rules)
}

/// Compile a built-in file's JSON digest (`build.rs`): its rules without their examples.
/// `None` when the digest does not load, so the caller reads the YAML and reports its error.
pub fn load_digest(name: &str, digest: &str) -> Option<Vec<Rule>> {
    let file: RuleFile = serde_json::from_str(digest).ok()?;
    file.rules
        .into_iter()
        .map(|raw| compile(raw, name, false).ok())
        .collect()
}

/// The byte offset of the `id: <id>` line of a rule (or `from` when it cannot be found).
fn find_rule_start(src: &str, id: &str, from: usize) -> usize {
    let mut off = 0;
    for line in src.split_inclusive('\n') {
        if off >= from {
            let t = line.trim_start().trim_start_matches('-').trim_start();
            if let Some(rest) = t.strip_prefix("id:") {
                let v = rest.trim().trim_matches(|c| c == '"' || c == '\'');
                if v == id {
                    return off;
                }
            }
        }
        off += line.len();
    }
    from
}

fn locate_compile_error(
    name: &str,
    src: &str,
    rule_start: usize,
    id: &str,
    e: CompileError,
) -> Box<RuleError> {
    let (block_start, block_end) = rule_block(src, rule_start);
    let key = format!("{}:", e.field);
    let mut field_at = None;
    let mut off = block_start;
    for line in src[block_start..block_end].split_inclusive('\n') {
        if line.trim_start().trim_start_matches("- ").starts_with(&key) {
            field_at = Some((off, line));
            break;
        }
        off += line.len();
    }
    let mut offset = match field_at {
        Some((line_off, line)) => line_off + (line.len() - line.trim_start().len()),
        None => rule_start,
    };
    if let (Some((line_off, line)), Some((row, col))) = (field_at, e.inner) {
        let after_key = line.trim_start().trim_start_matches("- ")[key.len()..].trim();
        if after_key.starts_with('|') || after_key.starts_with('>') {
            // A block scalar: the query starts on the next line, at that line's indentation.
            let body_start = line_off + line.len();
            let mut o = body_start;
            let mut indent = None;
            for (i, l) in src[body_start..].split_inclusive('\n').enumerate() {
                let ind = l.len() - l.trim_start_matches(' ').len();
                if indent.is_none() && !l.trim().is_empty() {
                    indent = Some(ind);
                }
                if i == row {
                    o += indent.unwrap_or(ind) + col;
                    break;
                }
                o += l.len();
            }
            offset = o;
        } else {
            let value_start = line_off + line.find(':').map_or(0, |i| i + 1);
            let ws = src[value_start..].len() - src[value_start..].trim_start().len();
            offset = value_start + ws + col + usize::from(after_key.starts_with(['"', '\'']));
        }
    }
    RuleError::at(
        name,
        src,
        offset,
        format!("rule `{id}`: {}", e.message),
        e.help,
    )
}

/// The byte range of the YAML list item (`- ...`) that holds the line at `inside`.
fn rule_block(src: &str, inside: usize) -> (usize, usize) {
    let mut lines = Vec::new();
    let mut off = 0;
    for l in src.split_inclusive('\n') {
        lines.push((off, l));
        off += l.len();
    }
    let indent = |l: &str| l.len() - l.trim_start().len();
    let here = lines.iter().rposition(|(o, _)| *o <= inside).unwrap_or(0);
    let item = (0..=here)
        .rev()
        .find(|&i| lines[i].1.trim_start().starts_with("- "))
        .unwrap_or(here);
    let item_indent = indent(lines[item].1);
    let end = lines[item + 1..]
        .iter()
        .find(|(_, l)| {
            let t = l.trim_start();
            !t.is_empty() && !t.starts_with('#') && indent(l) <= item_indent
        })
        .map_or(src.len(), |(o, _)| *o);
    (lines[item].0, end)
}

/// Rule files under a path: the file itself, or every `.yml`/`.yaml` below a folder, sorted.
pub fn rule_files(path: &Path) -> Result<Vec<PathBuf>, Box<RuleError>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        RuleError::unreadable(
            &path.display().to_string(),
            format!("cannot read rules: {e}"),
        )
    })?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(path)
        .hidden(false)
        .standard_filters(false)
        .build()
    {
        let entry = entry.map_err(|e| {
            RuleError::unreadable(
                &path.display().to_string(),
                format!("cannot list rules: {e}"),
            )
        })?;
        let p = entry.path();
        let is_yaml = p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yml" || e == "yaml");
        if is_yaml && entry.file_type().is_some_and(|t| t.is_file()) {
            out.push(p.to_path_buf());
        }
    }
    out.sort();
    Ok(out)
}

/// Load every rule file under `path`.
pub fn load_path(path: &Path) -> Result<Vec<Rule>, Box<RuleError>> {
    let mut rules = Vec::new();
    for file in rule_files(path)? {
        let name = file.display().to_string();
        let bytes = std::fs::read(&file)
            .map_err(|e| RuleError::unreadable(&name, format!("cannot read rule file: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| RuleError::unreadable(&name, "rule file is not UTF-8".into()))?;
        rules.extend(load_text(&name, &text, true)?);
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 1-based line and column an error of `src` points at.
    fn error_at(src: &str) -> (usize, usize, String) {
        let e = load_text("r.yaml", src, true).err().expect("an error");
        (e.line, e.column, e.message.clone())
    }

    #[test]
    fn a_rule_that_does_not_compile_points_at_its_key_in_block_and_flow_style() {
        let head = "rules:\n  - id: my/rule\n    title: T\n    message: m\n    category: dependencies\n    severity: high\n    help: h\n";
        let block =
            format!("{head}    fact:\n      kind: dependency\n      where: {{ sorce: git }}\n");
        let (line, col, text) = error_at(&block);
        assert_eq!((line, col), (10, 16), "{text}");
        assert!(text.contains("no attribute `sorce`"), "{text}");
        let flow = "rules:\n  - {id: my/rule, title: T, message: m, category: dependencies, severity: high, help: h, fact: {kind: dependency, where: {sorce: git}}}\n";
        let (line, col, _) = error_at(flow);
        assert_eq!((line, col), (2, 123));
        let flow_regex = "rules: [{id: my/rule, title: T, message: m, category: auth, severity: high, help: h, regex: \"(\"}]\n";
        let (line, col, text) = error_at(flow_regex);
        assert_eq!((line, col), (1, 86), "{text}");
    }

    #[test]
    fn an_inner_regex_anchored_to_its_node_does_not_filter_out_the_file() {
        let src = "rules:\n  - id: my/rule\n    title: T\n    message: m\n    category: checks\n    severity: low\n    help: h\n    languages: [javascript]\n    query: '((comment) @match)'\n    regex: '^//\\s*(?P<d>eslint-disable-line\\s+\\S+)'\n";
        let rule = &load_text("r.yaml", src, true).unwrap()[0];
        // The comment is not at the start of the file, so the anchored regex fails on the whole
        // text; the file must still be parsed and the comment read.
        assert!(rule.may_match("x(); // eslint-disable-line no-console\n"));
        let unanchored = src.replace("'^//", "'//");
        let rule = &load_text("r.yaml", &unanchored, true).unwrap()[0];
        assert!(!rule.may_match("x();\n"));
        assert!(rule.may_match("x(); // eslint-disable-line no-console\n"));
    }
}
