//! JSON as the same spanned tree the YAML reader builds (`yaml::Node`), read with the
//! tree-sitter JSON grammar already in the build: one tree type for every policy document,
//! whether it sits in a `.json` file, a CloudFormation template or a Terraform heredoc.
//! tree-sitter keeps going past an error, so JSON with comments or a trailing comma (often
//! seen in hand-written policy files) still gives the parts that parse.

use crate::analyzers::yaml::{Node, Value};

/// The tree of `text`, whose spans are shifted by `offset` (where `text` starts in its file);
/// `None` when no value could be read.
pub fn parse(text: &str, offset: usize) -> Option<Node> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_json::LANGUAGE.into())
        .ok()?;
    let tree = parser.parse(text, None)?;
    let root = tree.root_node();
    let mut cursor = root.walk();
    let first = root.named_children(&mut cursor).find(|n| !n.is_extra())?;
    let mut budget = 2_000_000usize;
    node(first, text, offset, &mut budget)
}

fn node(n: tree_sitter::Node, text: &str, offset: usize, budget: &mut usize) -> Option<Node> {
    *budget = budget.checked_sub(1)?;
    let span = (n.start_byte() + offset, n.end_byte() + offset);
    let mut cursor = n.walk();
    let value = match n.kind() {
        "object" => {
            let mut entries = Vec::new();
            for pair in n.named_children(&mut cursor) {
                if pair.kind() != "pair" {
                    continue;
                }
                let (Some(k), Some(v)) = (
                    pair.child_by_field_name("key"),
                    pair.child_by_field_name("value"),
                ) else {
                    continue;
                };
                if let (Some(k), Some(v)) =
                    (node(k, text, offset, budget), node(v, text, offset, budget))
                {
                    entries.push((k, v));
                }
            }
            Value::Map(entries)
        }
        "array" => {
            let items: Vec<tree_sitter::Node> = n.named_children(&mut cursor).collect();
            Value::Seq(
                items
                    .into_iter()
                    .filter(|c| !c.is_extra())
                    .filter_map(|c| node(c, text, offset, budget))
                    .collect(),
            )
        }
        "string" => Value::Str(unescape(&text[n.start_byte()..n.end_byte()]), true),
        "number" | "true" | "false" | "null" => {
            let raw = &text[n.start_byte()..n.end_byte()];
            Value::Str(if raw == "null" { "" } else { raw }.to_string(), false)
        }
        _ => return None,
    };
    Some(Node { value, span })
}

/// A JSON string literal's value (with its quotes).
fn unescape(lit: &str) -> String {
    serde_json::from_str::<String>(lit).unwrap_or_else(|_| lit.trim_matches('"').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_in_the_file_and_strings_decoded() {
        let t = "{\"Statement\": [{\"Action\": \"s3:Get\\u004fbject\", \"N\": 1}], // x\n}";
        let n = parse(t, 10).unwrap();
        let st = &n.get("Statement").unwrap().items()[0];
        let a = st.get("Action").unwrap();
        assert_eq!(a.str(), Some("s3:GetObject"));
        assert_eq!(&t[a.span.0 - 10..a.span.1 - 10], "\"s3:Get\\u004fbject\"");
        assert_eq!(st.get("N").and_then(Node::str), Some("1"));
        assert!(parse("", 0).is_none());
    }
}
