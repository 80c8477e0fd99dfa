//! Terraform's HCL as blocks whose attributes are spanned trees (`yaml::Node`), read with the
//! tree-sitter HCL grammar. A literal becomes a string (quoted: `true`), an object or tuple a
//! map or sequence, `jsonencode(x)` is read as `x` itself (a policy written as an HCL object
//! is a policy), a heredoc is its body (verbatim, so the JSON inside can be read with its
//! own spans); any other expression (a reference, a call) is its source text, unquoted.

use crate::analyzers::yaml::{Node, Value};

/// A block: `resource "aws_iam_policy" "x" { … }`, `statement { … }`.
#[derive(Debug, Clone)]
pub struct Block {
    /// `resource`, `data`, `provider`, `module`, `locals`, `statement`, …
    pub kind: String,
    pub labels: Vec<String>,
    /// From the block's first word to its closing brace.
    pub span: (usize, usize),
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub name_span: (usize, usize),
    pub value: Node,
}

impl Block {
    pub fn attr(&self, name: &str) -> Option<&Node> {
        self.attrs.iter().find(|a| a.name == name).map(|a| &a.value)
    }

    pub fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

    /// The address Terraform gives it: `aws_iam_policy.x`, `data.aws_iam_policy_document.x`,
    /// `module.x`, `provider.aws` (with its alias), `locals`.
    pub fn address(&self) -> String {
        match (self.kind.as_str(), self.labels.as_slice()) {
            ("resource", [t, n, ..]) => format!("{t}.{n}"),
            ("data", [t, n, ..]) => format!("data.{t}.{n}"),
            ("module", [n, ..]) => format!("module.{n}"),
            ("provider", [n, ..]) => match self.attr("alias").and_then(Node::str) {
                Some(a) => format!("provider.{n}.{a}"),
                None => format!("provider.{n}"),
            },
            (k, labels) => std::iter::once(k.to_string())
                .chain(labels.iter().cloned())
                .collect::<Vec<_>>()
                .join("."),
        }
    }

    /// The resource or data type (`aws_iam_policy`), or "".
    pub fn type_name(&self) -> &str {
        match self.kind.as_str() {
            "resource" | "data" => self.labels.first().map_or("", String::as_str),
            _ => "",
        }
    }

    /// The span of the block's first line (`resource "x" "y" {`).
    pub fn head(&self, text: &str) -> (usize, usize) {
        let end = text[self.span.0..self.span.1]
            .find('\n')
            .map_or(self.span.1, |i| self.span.0 + i);
        (self.span.0, end)
    }
}

/// The top-level blocks of a Terraform file, or why it does not parse.
pub fn parse(text: &str) -> Result<Vec<Block>, String> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_hcl::LANGUAGE.into())
        .map_err(|e| format!("the HCL grammar could not be loaded ({e})"))?;
    let tree = parser
        .parse(text, None)
        .ok_or_else(|| "it could not be parsed as HCL".to_string())?;
    let root = tree.root_node();
    let mut reader = Reader {
        text,
        budget: 2_000_000,
    };
    let mut cursor = root.walk();
    let body = root
        .named_children(&mut cursor)
        .find(|n| n.kind() == "body");
    let blocks = body.map(|b| reader.body(b).1).unwrap_or_default();
    if blocks.is_empty() && root.has_error() {
        return Err("it is not valid HCL".to_string());
    }
    Ok(blocks)
}

struct Reader<'t> {
    text: &'t str,
    /// Nodes left to read (a generated file of millions of nodes is cut, not read whole).
    budget: usize,
}

impl<'t> Reader<'t> {
    fn src(&self, n: tree_sitter::Node) -> &'t str {
        &self.text[n.start_byte()..n.end_byte()]
    }

    fn body(&mut self, body: tree_sitter::Node) -> (Vec<Attr>, Vec<Block>) {
        let (mut attrs, mut blocks) = (Vec::new(), Vec::new());
        let mut cursor = body.walk();
        for c in body.named_children(&mut cursor) {
            if self.budget == 0 {
                break;
            }
            match c.kind() {
                "attribute" => {
                    let mut cc = c.walk();
                    let kids: Vec<tree_sitter::Node> = c.named_children(&mut cc).collect();
                    let (Some(name), Some(expr)) = (
                        kids.iter().find(|k| k.kind() == "identifier"),
                        kids.iter().find(|k| k.kind() == "expression"),
                    ) else {
                        continue;
                    };
                    attrs.push(Attr {
                        name: self.src(*name).to_string(),
                        name_span: (name.start_byte(), name.end_byte()),
                        value: self.expr(*expr),
                    });
                }
                "block" => blocks.push(self.block(c)),
                _ => {}
            }
        }
        (attrs, blocks)
    }

    fn block(&mut self, b: tree_sitter::Node) -> Block {
        let mut kind = String::new();
        let mut labels = Vec::new();
        let (mut attrs, mut blocks) = (Vec::new(), Vec::new());
        let mut cursor = b.walk();
        for c in b.named_children(&mut cursor) {
            match c.kind() {
                "identifier" if kind.is_empty() => kind = self.src(c).to_string(),
                "identifier" => labels.push(self.src(c).to_string()),
                "string_lit" => labels.push(self.string_content(c)),
                "body" => (attrs, blocks) = self.body(c),
                _ => {}
            }
        }
        Block {
            kind,
            labels,
            span: (b.start_byte(), b.end_byte()),
            attrs,
            blocks,
        }
    }

    /// The text of a string literal between its quotes.
    fn string_content(&self, n: tree_sitter::Node) -> String {
        let raw = self.src(n);
        raw.strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(raw)
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
    }

    fn expr(&mut self, n: tree_sitter::Node) -> Node {
        self.budget = self.budget.saturating_sub(1);
        let span = (n.start_byte(), n.end_byte());
        let raw = |r: &Self| Node {
            value: Value::Str(r.src(n).to_string(), false),
            span,
        };
        if self.budget == 0 {
            return raw(self);
        }
        let mut cursor = n.walk();
        let kids: Vec<tree_sitter::Node> = n
            .named_children(&mut cursor)
            .filter(|k| k.kind() != "comment")
            .collect();
        match n.kind() {
            // `expression` wraps one node, unless it is a reference with attribute accesses
            "expression" | "literal_value" | "collection_value" | "template_expr"
                if kids.len() == 1 =>
            {
                self.expr(kids[0])
            }
            "string_lit" | "quoted_template" => Node {
                value: Value::Str(self.string_content(n), true),
                span,
            },
            "heredoc_template" => {
                // the body: from the line after `<<EOF` to the start of the closing line
                let start = self.src(n).find('\n').map_or(span.1, |i| span.0 + i + 1);
                let end = kids
                    .iter()
                    .rfind(|k| k.kind() == "heredoc_identifier")
                    .map_or(span.1, |k| k.start_byte())
                    .max(start);
                Node {
                    value: Value::Str(self.text[start..end].to_string(), true),
                    span: (start, end),
                }
            }
            "object" => {
                let mut entries = Vec::new();
                for e in kids.iter().filter(|k| k.kind() == "object_elem") {
                    let (Some(k), Some(v)) =
                        (e.child_by_field_name("key"), e.child_by_field_name("val"))
                    else {
                        continue;
                    };
                    let key = self.expr(k);
                    let value = self.expr(v);
                    entries.push((key, value));
                }
                Node {
                    value: Value::Map(entries),
                    span,
                }
            }
            "tuple" => Node {
                value: Value::Seq(
                    kids.iter()
                        .filter(|k| k.kind() == "expression")
                        .map(|k| self.expr(*k))
                        .collect(),
                ),
                span,
            },
            "function_call" => {
                let name = kids
                    .iter()
                    .find(|k| k.kind() == "identifier")
                    .map(|k| self.src(*k));
                let arg = kids
                    .iter()
                    .find(|k| k.kind() == "function_arguments")
                    .and_then(|a| {
                        let mut c = a.walk();
                        let first = a.named_children(&mut c).find(|x| x.kind() == "expression");
                        first
                    });
                match (name, arg) {
                    (Some("jsonencode"), Some(a)) => self.expr(a),
                    _ => raw(self),
                }
            }
            _ => raw(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_attributes_objects_and_heredocs() {
        let t = r#"
provider "aws" {
  region     = "us-east-1"
  access_key = var.key
}
resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", "Action" = ["s3:*"], Resource = "*" }]
  })
}
resource "aws_iam_role" "r" {
  assume_role_policy = <<EOF
{"Statement": []}
EOF
}
data "aws_iam_policy_document" "d" {
  statement {
    actions = ["s3:GetObject"]
  }
}
"#;
        let b = parse(t).unwrap();
        assert_eq!(b.len(), 4);
        assert_eq!(b[0].address(), "provider.aws");
        assert_eq!(
            b[0].attr("access_key").unwrap().value,
            Value::Str("var.key".into(), false)
        );
        assert_eq!(b[1].address(), "aws_iam_policy.p");
        let p = b[1].attr("policy").unwrap();
        let st = &p.get("Statement").unwrap().items()[0];
        assert_eq!(st.get("Effect").and_then(Node::str), Some("Allow"));
        let a = st.get("Action").unwrap();
        assert_eq!(&t[a.span.0..a.span.1], "[\"s3:*\"]");
        let h = b[2].attr("assume_role_policy").unwrap();
        assert_eq!(&t[h.span.0..h.span.1], "{\"Statement\": []}\n");
        assert_eq!(b[3].address(), "data.aws_iam_policy_document.d");
        let s = b[3].blocks("statement").next().unwrap();
        assert_eq!(
            s.attr("actions").unwrap().items()[0].str(),
            Some("s3:GetObject")
        );
    }

    #[test]
    fn text_that_is_not_hcl_is_an_error() {
        assert!(parse("{{{ not terraform").is_err());
        assert!(parse("").unwrap().is_empty());
    }
}
