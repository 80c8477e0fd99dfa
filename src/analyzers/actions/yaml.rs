//! A YAML document as a tree whose every node knows its byte range in the text, read from
//! `saphyr-parser`'s spanned events (a maintained YAML 1.2 parser). Workflows are small, so a
//! whole tree is cheap; what matters is that every key, value and `${{ }}` can be pointed at.
//!
//! Aliases are expanded into a copy of their anchor's node (GitHub accepts anchors in
//! workflows), with the anchor's spans: a finding in an aliased job points at the text that
//! says it. A document that expands past `MAX_NODES` is refused (the "billion laughs").

use saphyr_parser::{Event, Parser, ScalarStyle, Span, SpannedEventReceiver};

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
    /// Byte range in the text (for a block scalar: its content).
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
    let mut b = Builder {
        offsets: (!text.is_ascii()).then(|| {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            v
        }),
        ..Builder::default()
    };
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut b, false)
        .map_err(|e| format!("it is not valid YAML: {e}"))?;
    if let Some(e) = b.error {
        return Err(e);
    }
    Ok(b.root.unwrap_or(Node {
        value: Value::Str(String::new(), false),
        span: (0, 0),
    }))
}

enum Frame {
    Map {
        anchor: usize,
        start: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
    Seq {
        anchor: usize,
        start: usize,
        items: Vec<Node>,
    },
}

#[derive(Default)]
struct Builder {
    /// Byte offset of each character, for a text that is not ASCII (the parser counts
    /// characters).
    offsets: Option<Vec<usize>>,
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    root: Option<Node>,
    nodes: usize,
    error: Option<String>,
}

impl Builder {
    fn byte(&self, chars: usize) -> usize {
        match &self.offsets {
            Some(v) => v.get(chars).copied().unwrap_or(*v.last().unwrap_or(&0)),
            None => chars,
        }
    }

    fn span(&self, s: Span) -> (usize, usize) {
        (self.byte(s.start.index()), self.byte(s.end.index()))
    }

    fn size(n: &Node) -> usize {
        1 + match &n.value {
            Value::Map(m) => m.iter().map(|(k, v)| Self::size(k) + Self::size(v)).sum(),
            Value::Seq(s) => s.iter().map(Self::size).sum(),
            Value::Str(..) => 0,
        }
    }

    /// A finished node: into its parent, or the document's root.
    fn push(&mut self, node: Node, anchor: usize) {
        self.nodes += 1;
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
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

impl<'i> SpannedEventReceiver<'i> for Builder {
    fn on_event(&mut self, ev: Event<'i>, s: Span) {
        if self.error.is_some() {
            return;
        }
        let span = self.span(s);
        match ev {
            Event::Scalar(text, style, anchor, _) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                self.push(
                    Node {
                        value: Value::Str(text.into_owned(), quoted),
                        span,
                    },
                    anchor,
                );
            }
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map {
                anchor,
                start: span.0,
                entries: Vec::new(),
                key: None,
            }),
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq {
                anchor,
                start: span.0,
                items: Vec::new(),
            }),
            Event::MappingEnd | Event::SequenceEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Map {
                        anchor,
                        start,
                        entries,
                        ..
                    }) => (
                        Node {
                            value: Value::Map(entries),
                            span: (start, span.1.max(start)),
                        },
                        anchor,
                    ),
                    Some(Frame::Seq {
                        anchor,
                        start,
                        items,
                    }) => (
                        Node {
                            value: Value::Seq(items),
                            span: (start, span.1.max(start)),
                        },
                        anchor,
                    ),
                    None => return,
                };
                self.push(node, anchor);
            }
            Event::Alias(id) => {
                let Some(anchored) = self.anchors.iter().rev().find(|(a, _)| *a == id) else {
                    self.error = Some("it uses an alias before its anchor".into());
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
                self.push(node, 0);
            }
            _ => {}
        }
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
        assert!(t[run.span.0..run.span.1].starts_with("echo ${{ x }}"));
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
