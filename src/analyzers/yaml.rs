//! A YAML document as a tree whose every node knows its byte range in the text, read from the
//! events of `libyaml-safer` (a safe Rust port of libyaml, whose marks are byte offsets). It
//! reads YAML the way GitHub's own parser does, which is libyaml's lineage: a stricter YAML 1.2
//! parser tried first refused two of 312 real workflows that GitHub runs (flow sequences whose
//! closing bracket sits left of their items). Workflows are small, so a whole tree is cheap;
//! what matters is that every key, value and `${{ }}` can be pointed at.
//!
//! Aliases are expanded into a copy of their anchor's node (GitHub accepts anchors in
//! workflows), with the anchor's spans: a finding in an aliased job points at the text that
//! says it. A document that expands past `MAX_NODES` is refused (the "billion laughs").

use libyaml_safer::{Event, EventData, Parser, ScalarStyle};

/// The most nodes a document may expand to.
const MAX_NODES: usize = 200_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Map(Vec<(Node, Node)>),
    Seq(Vec<Node>),
    /// A scalar as decoded (quotes and block indentation gone), and whether it was quoted.
    Str(String, bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Byte range in the text (for a block scalar: from its `|` or `>`).
    pub span: (usize, usize),
}

impl Node {
    /// A scalar's text (an unquoted `null`/`~`/empty scalar is "").
    pub fn str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s, _) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Str(s, false) if s.is_empty() || s == "~" || s == "null")
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    /// The entry of a mapping whose key is `key`: (key node, value node).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries()
            .iter()
            .find(|(k, _)| k.str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// A scalar, or each scalar of a sequence (`runs-on: [self-hosted, linux]`).
    pub fn strings(&self) -> Vec<&Node> {
        match &self.value {
            Value::Str(..) => vec![self],
            Value::Seq(s) => s.iter().filter(|n| n.str().is_some()).collect(),
            Value::Map(_) => Vec::new(),
        }
    }
}

/// The first document of `text`, or why it is not YAML.
pub fn parse(text: &str) -> Result<Node, String> {
    Ok(documents(text, false)?.into_iter().next().unwrap_or(Node {
        value: Value::Str(String::new(), false),
        span: (0, 0),
    }))
}

/// Every document of a `---`-separated stream (a Kubernetes manifest file), or why it is not
/// YAML. An empty document is left out.
pub fn parse_all(text: &str) -> Result<Vec<Node>, String> {
    documents(text, true)
}

fn documents(text: &str, all: bool) -> Result<Vec<Node>, String> {
    // libyaml-safer panics on a block scalar cut by the end of the input: a final newline
    // avoids it (spans are kept within the text as given), and any other panic of the parser
    // becomes this file's error.
    let len = text.len();
    let owned;
    let text = if text.ends_with('\n') {
        text
    } else {
        owned = format!("{text}\n");
        owned.as_str()
    };
    crate::guard::run(|| parse_events(text, len, all))
        .unwrap_or_else(|p| Err(format!("it could not be read as YAML ({p})")))
}

fn parse_events(text: &str, len: usize, all: bool) -> Result<Vec<Node>, String> {
    let mut b = Builder {
        len,
        ..Builder::default()
    };
    let mut input = text.as_bytes();
    let mut docs = Vec::new();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    loop {
        let ev = parser
            .parse()
            .map_err(|e| format!("it is not valid YAML: {e}"))?;
        match ev.data {
            EventData::StreamEnd => break,
            EventData::DocumentEnd { .. } => {
                // (anchors are local to their document)
                b.anchors.clear();
                docs.extend(b.root.take().filter(|n| !n.is_null()));
                if !all {
                    break;
                }
                continue;
            }
            _ => {}
        }
        b.on_event(ev);
        if let Some(e) = b.error.take() {
            return Err(e);
        }
    }
    Ok(docs)
}

enum Frame {
    Map {
        anchor: Option<String>,
        tag: Option<String>,
        start: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
    Seq {
        anchor: Option<String>,
        tag: Option<String>,
        start: usize,
        items: Vec<Node>,
    },
}

#[derive(Default)]
struct Builder {
    /// The length of the text as given: no span reaches past it.
    len: usize,
    stack: Vec<Frame>,
    anchors: Vec<(String, Node)>,
    root: Option<Node>,
    nodes: usize,
    error: Option<String>,
}

impl Builder {
    fn size(n: &Node) -> usize {
        1 + match &n.value {
            Value::Map(m) => m.iter().map(|(k, v)| Self::size(k) + Self::size(v)).sum(),
            Value::Seq(s) => s.iter().map(Self::size).sum(),
            Value::Str(..) => 0,
        }
    }

    /// A finished node: into its parent, or the document's root.
    fn push(&mut self, node: Node, anchor: Option<String>) {
        self.nodes += 1;
        if let Some(a) = anchor {
            self.anchors.push((a, node.clone()));
        }
        match self.stack.last_mut() {
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            Some(Frame::Seq { items, .. }) => items.push(node),
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
    }
}

impl Builder {
    fn on_event(&mut self, ev: Event) {
        let span = (
            (ev.start_mark.index as usize).min(self.len),
            (ev.end_mark.index as usize).min(self.len),
        );
        match ev.data {
            EventData::Scalar {
                value,
                style,
                anchor,
                tag,
                ..
            } => {
                let quoted = !matches!(style, ScalarStyle::Plain | ScalarStyle::Any);
                let node = Node {
                    value: Value::Str(value, quoted),
                    span,
                };
                self.push(long_form(node, tag), anchor);
            }
            EventData::MappingStart { anchor, tag, .. } => self.stack.push(Frame::Map {
                anchor,
                tag,
                start: span.0,
                entries: Vec::new(),
                key: None,
            }),
            EventData::SequenceStart { anchor, tag, .. } => self.stack.push(Frame::Seq {
                anchor,
                tag,
                start: span.0,
                items: Vec::new(),
            }),
            EventData::MappingEnd | EventData::SequenceEnd => {
                let (node, anchor, tag) = match self.stack.pop() {
                    Some(Frame::Map {
                        anchor,
                        tag,
                        start,
                        entries,
                        ..
                    }) => (
                        Node {
                            value: Value::Map(entries),
                            span: (start, span.1.max(start)),
                        },
                        anchor,
                        tag,
                    ),
                    Some(Frame::Seq {
                        anchor,
                        tag,
                        start,
                        items,
                    }) => (
                        Node {
                            value: Value::Seq(items),
                            span: (start, span.1.max(start)),
                        },
                        anchor,
                        tag,
                    ),
                    None => return,
                };
                self.push(long_form(node, tag), anchor);
            }
            EventData::Alias { anchor } => {
                let Some(anchored) = self.anchors.iter().rev().find(|(a, _)| *a == anchor) else {
                    self.error = Some(format!("it uses the alias `*{anchor}` before its anchor"));
                    return;
                };
                // (measured before it is copied)
                self.nodes += Self::size(&anchored.1);
                if self.nodes > MAX_NODES {
                    self.error = Some(format!(
                        "its aliases expand to more than {MAX_NODES} nodes, which is not read"
                    ));
                    return;
                }
                let node = anchored.1.clone();
                self.push(node, None);
            }
            _ => {}
        }
    }
}

/// CloudFormation's short-form functions (`!Sub "…"`, `!Join ["", […]]`, `!Ref X`) as the long
/// form the JSON templates write (`{"Fn::Sub": "…"}`, `{"Ref": "X"}`), so both read alike.
/// Other tags are left as they are.
fn long_form(node: Node, tag: Option<String>) -> Node {
    const FUNCTIONS: &[&str] = &[
        "Base64",
        "Cidr",
        "FindInMap",
        "GetAtt",
        "GetAZs",
        "ImportValue",
        "Join",
        "Select",
        "Split",
        "Sub",
        "Transform",
        "If",
        "Equals",
        "Not",
        "And",
        "Or",
    ];
    let Some(name) = tag.as_deref().and_then(|t| t.strip_prefix('!')) else {
        return node;
    };
    let key = match name {
        "Ref" | "Condition" => name.to_string(),
        f if FUNCTIONS.contains(&f) => format!("Fn::{f}"),
        _ => return node,
    };
    let span = node.span;
    Node {
        value: Value::Map(vec![(
            Node {
                value: Value::Str(key, false),
                span: (span.0, span.0),
            },
            node,
        )]),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_keys_values_and_block_content() {
        let t = "on: push\njobs:\n  a: &x\n    run: |\n      echo ${{ x }}\n  b: *x\n";
        let n = parse(t).unwrap();
        let (k, v) = n.entry("on").unwrap();
        assert_eq!(&t[k.span.0..k.span.1], "on");
        assert_eq!(&t[v.span.0..v.span.1], "push");
        let run = n.get("jobs").unwrap().get("a").unwrap().get("run").unwrap();
        assert!(t[run.span.0..run.span.1].contains("echo ${{ x }}"));
        // the alias is a copy, with the anchor's spans
        let b = n.get("jobs").unwrap().get("b").unwrap();
        assert_eq!(b.get("run").unwrap().span, run.span);
    }

    #[test]
    fn non_ascii_text_gets_byte_spans() {
        let t = "name: \"Déploiement ✓\"\non: push\n";
        let n = parse(t).unwrap();
        let (k, v) = n.entry("on").unwrap();
        assert_eq!(&t[k.span.0..k.span.1], "on");
        assert_eq!(v.str(), Some("push"));
    }

    #[test]
    fn flow_sequences_closed_left_of_their_items_are_read_as_github_reads_them() {
        let t = "jobs:\n  a:\n    strategy:\n      matrix:\n        x: [\n          \"one\",\n        ]\n";
        let n = parse(t).unwrap();
        let x = n
            .get("jobs")
            .unwrap()
            .get("a")
            .unwrap()
            .get("strategy")
            .unwrap();
        assert_eq!(x.get("matrix").unwrap().get("x").unwrap().items().len(), 1);
    }

    #[test]
    fn every_truncation_of_a_workflow_parses_or_is_an_error() {
        let t = "name: \"Déploiement\"\non:\n  push:\n    tags: ['v*']\njobs:\n  a: &x\n    runs-on: [self-hosted, 'linux']\n    steps:\n      - run: |\n          echo \"${{ github.event.issue.title }}\"\n      - run: >\n          folded\n        with: {a: \"b\", c: [1, 2]}\n  b: *x\n";
        for end in (0..=t.len()).filter(|&e| t.is_char_boundary(e)) {
            let _ = parse(&t[..end]);
        }
        // the case real repositories have: a file ending inside a block scalar, whose content
        // must stay within the text's bytes
        let t = "jobs:\n  a:\n    steps:\n      - run: |\n          echo ${{ x }}";
        let n = parse(t).unwrap();
        let run = n
            .get("jobs")
            .unwrap()
            .get("a")
            .unwrap()
            .get("steps")
            .unwrap()
            .items()[0]
            .get("run")
            .unwrap()
            .clone();
        assert!(t[run.span.0..run.span.1].ends_with("echo ${{ x }}"));
    }

    #[test]
    fn a_stream_of_documents_is_read_whole_with_spans_into_the_stream() {
        let t = "a: 1\n---\n---\nkind: Role\n...\n---\nb: [x]\n";
        let docs = parse_all(t).unwrap();
        assert_eq!(docs.len(), 3);
        let (k, _) = docs[1].entry("kind").unwrap();
        assert_eq!(&t[k.span.0..k.span.1], "kind");
        assert!(parse_all("a: 1\n---\nb: [\n").is_err());
        assert_eq!(parse(t).unwrap().get("a").and_then(Node::str), Some("1"));
    }

    #[test]
    fn cloudformation_short_forms_read_as_their_long_forms() {
        let t = "a: !Sub \"arn:${X}\"\nb: !Join ['', [x, !Ref Y]]\nc: !!str 1\n";
        let n = parse(t).unwrap();
        let a = n.get("a").unwrap();
        assert_eq!(a.get("Fn::Sub").and_then(Node::str), Some("arn:${X}"));
        assert_eq!(&t[a.span.0..a.span.1], "!Sub \"arn:${X}\"");
        let b = n.get("b").unwrap().get("Fn::Join").unwrap();
        assert_eq!(
            b.items()[1].items()[1].get("Ref").and_then(Node::str),
            Some("Y")
        );
        assert_eq!(n.get("c").and_then(Node::str), Some("1"));
    }

    #[test]
    fn bad_yaml_and_alias_bombs_are_errors() {
        assert!(parse("a: [1, 2\nb: }").is_err());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            bomb.push_str(&format!(
                "b{i}: &b{i} [{p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}]\n",
                p = if i == 0 {
                    "*a".to_string()
                } else {
                    format!("*b{}", i - 1)
                }
            ));
        }
        assert!(parse(&bomb).unwrap_err().contains("expand"));
    }
}
