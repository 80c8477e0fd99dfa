//! The `${{ }}` expressions of a workflow string: where each one is, byte for byte, and which
//! contexts can flow out of it into the text it expands into. An expression is parsed (the
//! GitHub expression language: contexts, literals, function calls, `! == != < <= > >= && ||`)
//! so that `contains(github.event.issue.title, 'bug')` (a boolean) is safe while
//! `format('{0}', github.event.issue.title)` and `a || github.head_ref` carry the title.

/// How far the text a context holds can be trusted, least trusted last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trust {
    /// Fixed, numeric, a SHA, an id: no one can make it shell code.
    Safe,
    /// A secret: not code, but its value must not be printed.
    Secret,
    /// Set elsewhere in the workflow (env, step and job outputs, matrix values): safe only if
    /// what it was set from is.
    Indirect,
    /// A `workflow_dispatch` or `workflow_call` input: set by whoever starts the workflow.
    Input,
    /// Text anyone who can open an issue, a pull request, a comment or a branch chooses.
    Attacker,
}

impl Trust {
    pub fn name(self) -> &'static str {
        match self {
            Trust::Safe => "safe",
            Trust::Secret => "secret",
            Trust::Indirect => "indirect",
            Trust::Input => "input",
            Trust::Attacker => "attacker",
        }
    }
}

/// One `${{ … }}` in a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Byte range of `${{ … }}` in the file.
    pub span: (usize, usize),
    /// The text between the braces, trimmed.
    pub inner: String,
    /// The contexts whose text the expression expands to, each with its trust.
    pub flows: Vec<(String, Trust)>,
    /// Every context named anywhere in it (`secrets`, `toJSON(secrets)`, `github.actor`).
    pub names: Vec<String>,
}

impl Expr {
    /// The least trusted context that flows out of the expression.
    pub fn trust(&self) -> Trust {
        self.flows
            .iter()
            .map(|(_, t)| *t)
            .max()
            .unwrap_or(Trust::Safe)
    }
}

/// Every expression in `raw`, the text of a scalar as written, which starts at byte `base` of
/// the file.
pub fn find(raw: &str, base: usize) -> Vec<Expr> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = raw[at..].find("${{") {
        let start = at + i;
        let Some(j) = raw[start + 3..].find("}}") else {
            break;
        };
        let end = start + 3 + j + 2;
        // (a double-quoted scalar escapes its quotes; the expression's own are single)
        let inner = raw[start + 3..end - 2].trim().replace("\\\"", "\"");
        let (flows, names) = analyse(&inner);
        out.push(Expr {
            span: (base + start, base + end),
            inner,
            flows,
            names,
        });
        at = end;
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num,
    Dot,
    Star,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Not,
    /// `== != < <= > >=`: the result is a boolean.
    Compare,
    /// `&& ||`: the result is one of the operands.
    Logic,
}

fn lex(s: &str) -> Option<Vec<Tok>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'\'' => {
                i += 1;
                let st = i;
                loop {
                    match b.get(i) {
                        None => return None,
                        Some(b'\'') if b.get(i + 1) == Some(&b'\'') => i += 2,
                        Some(b'\'') => break,
                        _ => i += 1,
                    }
                }
                out.push(Tok::Str(s[st..i].replace("''", "'")));
                i += 1;
            }
            b'.' | b'*' | b'[' | b']' | b'(' | b')' | b',' => {
                out.push(match c {
                    b'.' => Tok::Dot,
                    b'*' => Tok::Star,
                    b'[' => Tok::LBracket,
                    b']' => Tok::RBracket,
                    b'(' => Tok::LParen,
                    b')' => Tok::RParen,
                    _ => Tok::Comma,
                });
                i += 1
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                out.push(Tok::Compare);
                i += 2
            }
            b'!' => {
                out.push(Tok::Not);
                i += 1
            }
            b'=' if b.get(i + 1) == Some(&b'=') => {
                out.push(Tok::Compare);
                i += 2
            }
            b'<' | b'>' => {
                out.push(Tok::Compare);
                i += if b.get(i + 1) == Some(&b'=') { 2 } else { 1 };
            }
            b'&' | b'|' if b.get(i + 1) == Some(&c) => {
                out.push(Tok::Logic);
                i += 2
            }
            b'0'..=b'9' | b'-' => {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                out.push(Tok::Num);
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let st = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-')
                {
                    i += 1;
                }
                out.push(Tok::Ident(s[st..i].to_string()));
            }
            _ => return None,
        }
    }
    Some(out)
}

struct P<'a> {
    toks: &'a [Tok],
    at: usize,
    names: Vec<String>,
}

/// What an expression node expands to: the contexts whose text can come out of it.
type Flows = Vec<String>;

impl P<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn expr(&mut self) -> Option<Flows> {
        let mut left = self.compare()?;
        while self.peek() == Some(&Tok::Logic) {
            self.bump();
            let right = self.compare()?;
            left.extend(right);
        }
        Some(left)
    }

    fn compare(&mut self) -> Option<Flows> {
        let left = self.unary()?;
        if self.peek() == Some(&Tok::Compare) {
            self.bump();
            self.unary()?;
            return Some(Vec::new());
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<Flows> {
        if self.peek() == Some(&Tok::Not) {
            self.bump();
            self.unary()?;
            return Some(Vec::new());
        }
        self.primary()
    }

    fn primary(&mut self) -> Option<Flows> {
        match self.bump()? {
            Tok::Str(_) | Tok::Num => Some(Vec::new()),
            Tok::LParen => {
                let f = self.expr()?;
                (self.bump()? == Tok::RParen).then_some(f)
            }
            Tok::Ident(id) if self.peek() == Some(&Tok::LParen) => {
                self.bump();
                let mut args = Vec::new();
                if self.peek() == Some(&Tok::RParen) {
                    self.bump();
                } else {
                    loop {
                        args.extend(self.expr()?);
                        match self.bump()? {
                            Tok::Comma => continue,
                            Tok::RParen => break,
                            _ => return None,
                        }
                    }
                }
                // Functions that answer a boolean or a hash expand to nothing anyone chose.
                let f = id.to_ascii_lowercase();
                let passes = matches!(f.as_str(), "tojson" | "fromjson" | "format" | "join");
                Some(if passes { args } else { Vec::new() })
            }
            Tok::Ident(id) => {
                if matches!(id.as_str(), "true" | "false" | "null") {
                    return Some(Vec::new());
                }
                let mut path = id;
                loop {
                    match self.peek() {
                        Some(Tok::Dot) => {
                            self.bump();
                            match self.bump()? {
                                Tok::Ident(f) => {
                                    path.push('.');
                                    path.push_str(&f);
                                }
                                Tok::Star => path.push_str(".*"),
                                _ => return None,
                            }
                        }
                        Some(Tok::LBracket) => {
                            self.bump();
                            // `['title']` is `.title`; any other index is any element
                            let start = self.at;
                            self.expr()?;
                            let field = match self.toks.get(start) {
                                Some(Tok::Str(f)) if self.at == start + 1 => Some(f.clone()),
                                _ => None,
                            };
                            (self.bump()? == Tok::RBracket).then_some(())?;
                            path.push('.');
                            path.push_str(field.as_deref().unwrap_or("*"));
                        }
                        _ => break,
                    }
                }
                self.names.push(path.clone());
                Some(vec![path])
            }
            _ => None,
        }
    }
}

/// The contexts that flow out of an expression with their trust, and every context it names.
/// An expression that does not parse is judged by every context it names.
fn analyse(inner: &str) -> (Vec<(String, Trust)>, Vec<String>) {
    let parsed = lex(inner).and_then(|toks| {
        let mut p = P {
            toks: &toks,
            at: 0,
            names: Vec::new(),
        };
        let flows = p.expr()?;
        (p.at == toks.len()).then_some((flows, p.names))
    });
    let (flows, names) = parsed.unwrap_or_else(|| {
        let names: Vec<String> = inner
            .split(|c: char| !(c.is_ascii_alphanumeric() || "._-*".contains(c)))
            .filter(|w| w.contains('.') && w.starts_with(|c: char| c.is_ascii_alphabetic()))
            .map(str::to_string)
            .collect();
        (names.clone(), names)
    });
    let mut flows: Vec<(String, Trust)> = flows
        .into_iter()
        .map(|c| {
            let t = trust(&c);
            (c, t)
        })
        .collect();
    flows.sort();
    flows.dedup();
    (flows, names)
}

/// The last parts of `github.event` paths that hold text a person outside the project writes:
/// titles, bodies and messages, branch names and labels, author names and emails, wiki page
/// names (GitHub's webhook payloads: issues, pull_request, issue_comment, discussion, push,
/// gollum, workflow_run).
const FREE_TEXT: &[&str] = &[
    "title",
    "body",
    "message",
    "page_name",
    "label",
    "head_branch",
    "display_title",
    "default_branch",
    "description",
    "homepage",
    "email",
    "name",
];

/// Whether a `github.event` path is text an outsider writes.
fn event_text(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    // whole objects (`toJSON(github.event.issue)`) carry their texts
    let whole = matches!(
        path,
        "github.event"
            | "github.event.issue"
            | "github.event.pull_request"
            | "github.event.comment"
            | "github.event.review"
            | "github.event.review_comment"
            | "github.event.discussion"
            | "github.event.head_commit"
            | "github.event.commits"
            | "github.event.commits.*"
            | "github.event.pages"
            | "github.event.pages.*"
            | "github.event.pull_request.head"
            | "github.event.workflow_run"
    );
    if whole {
        return true;
    }
    if last == "ref" {
        // a pull request's head branch; `base.ref` is the project's own
        return path.ends_with("head.ref") || path.ends_with("pull_requests.*.head.ref");
    }
    if last == "name" {
        // author and committer names; a repository's or an app's name is fixed
        return path.contains("author.") || path.contains("committer.") || path.contains("pusher.");
    }
    FREE_TEXT.contains(&last) && !path.contains(".base.") && !path.contains(".repository.")
}

/// How far a context's text can be trusted.
pub fn trust(path: &str) -> Trust {
    let root = path.split('.').next().unwrap_or(path);
    match root {
        "secrets" => Trust::Secret,
        "inputs" => Trust::Input,
        "env" | "steps" | "needs" | "matrix" | "jobs" => Trust::Indirect,
        "github" => {
            if path.starts_with("github.event.inputs") {
                Trust::Input
            } else if path == "github.head_ref"
                // (a `repository_dispatch` payload is whatever its sender posted)
                || path.starts_with("github.event.client_payload")
                || (path.starts_with("github.event") && event_text(path))
            {
                Trust::Attacker
            } else {
                Trust::Safe
            }
        }
        _ => Trust::Safe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flows(e: &str) -> Vec<(String, &'static str)> {
        let (f, _) = analyse(e);
        f.into_iter().map(|(c, t)| (c, t.name())).collect()
    }

    #[test]
    fn finds_expressions_at_their_bytes() {
        let raw = "echo \"${{ github.event.issue.title }}\" ${{github.sha}}";
        let e = find(raw, 100);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].span, (106, 106 + 31));
        assert_eq!(&raw[6..37], "${{ github.event.issue.title }}");
        assert_eq!(e[0].trust(), Trust::Attacker);
        assert_eq!(e[1].inner, "github.sha");
        assert_eq!(e[1].trust(), Trust::Safe);
    }

    #[test]
    fn attacker_text_flows_through_format_and_or_but_not_booleans() {
        assert_eq!(
            flows("format('{0}', github.event.pull_request.title)"),
            vec![("github.event.pull_request.title".into(), "attacker")]
        );
        assert_eq!(flows("contains(github.event.issue.body, 'x')"), vec![]);
        assert_eq!(flows("github.event.issue.title == 'x'"), vec![]);
        assert_eq!(
            flows("github.head_ref || github.ref_name"),
            vec![
                ("github.head_ref".into(), "attacker"),
                ("github.ref_name".into(), "safe")
            ]
        );
        assert_eq!(
            flows("github.event.commits[0].message"),
            vec![("github.event.commits.*.message".into(), "attacker")]
        );
        assert_eq!(flows("!startsWith(github.head_ref, 'x')"), vec![]);
        assert_eq!(
            flows("github.event['issue']['title']"),
            vec![("github.event.issue.title".into(), "attacker")]
        );
    }

    #[test]
    fn trust_of_contexts() {
        assert_eq!(trust("github.event.pull_request.head.sha"), Trust::Safe);
        assert_eq!(trust("github.event.pull_request.head.ref"), Trust::Attacker);
        assert_eq!(trust("github.event.pull_request.base.ref"), Trust::Safe);
        assert_eq!(trust("github.event.pull_request.number"), Trust::Safe);
        assert_eq!(
            trust("github.event.head_commit.author.name"),
            Trust::Attacker
        );
        assert_eq!(trust("github.event.repository.name"), Trust::Safe);
        assert_eq!(trust("github.event.inputs.tag"), Trust::Input);
        assert_eq!(trust("inputs.tag"), Trust::Input);
        assert_eq!(trust("steps.meta.outputs.tags"), Trust::Indirect);
        assert_eq!(trust("secrets.NPM_TOKEN"), Trust::Secret);
    }

    #[test]
    fn unparseable_expressions_are_judged_by_the_names_in_them() {
        let (f, _) = analyse("github.event.issue.title }} {{");
        assert_eq!(f[0].1, Trust::Attacker);
    }
}
