//! The new side of a modified file, parsed from the old side's tree.
//!
//! Tree-sitter reparses incrementally: told which bytes of the old text were replaced, it
//! reuses every subtree the edit did not touch. A file a change edits in a few places is then
//! parsed once and a little, not twice: the old side (which the diff semantics need) in full,
//! the new side from it.

use tree_sitter::{InputEdit, Point, Tree};

use super::text::SideText;
use crate::source::linediff::LineChanges;

/// The point (row, byte column) of byte `at` of `text`.
fn point(text: &SideText, at: usize) -> Point {
    let row = text.line_of(at);
    Point::new(row as usize, at - text.line_start(row))
}

/// Where each hunk starts on both sides (0-based lines): an insertion's old line (and a
/// removal's new line) is where the unchanged lines before it end, found from the shift of the
/// hunks before. `None` when the hunks do not line the two sides up, or a whole side changed.
pub fn aligned(changes: &LineChanges) -> Option<Vec<(u32, u32)>> {
    if changes.is_all_added() || changes.hunks().is_empty() {
        return None;
    }
    let mut starts = Vec::with_capacity(changes.hunks().len());
    let mut shift: i64 = 0;
    for h in changes.hunks() {
        let old_line = if h.old_len > 0 {
            i64::from(h.old_start)
        } else {
            i64::from(h.new_start) - shift
        };
        let new_line = old_line + shift;
        if old_line < 0 || (h.new_len > 0 && new_line != i64::from(h.new_start)) {
            return None;
        }
        starts.push((old_line as u32, new_line as u32));
        shift += i64::from(h.new_len) - i64::from(h.old_len);
    }
    Some(starts)
}

/// The old side's tree with the change's hunks applied as edits, ready to parse the new side
/// with; `None` when the hunks do not line the two sides up (the caller parses afresh).
pub fn edited(
    old_tree: &Tree,
    old: &SideText,
    new: &SideText,
    changes: &LineChanges,
) -> Option<Tree> {
    let starts = aligned(changes)?;
    let mut tree = old_tree.clone();
    // Last hunk first: the text before an edit is then still the old text, so its offsets and
    // points are the old side's.
    for (h, &(old_line, new_line)) in changes.hunks().iter().zip(&starts).rev() {
        let start_byte = old.line_start(old_line);
        let old_end_byte = old.line_start(old_line + h.old_len);
        let (ns, ne) = (
            new.line_start(new_line),
            new.line_start(new_line + h.new_len),
        );
        if old_end_byte < start_byte || ne < ns {
            return None;
        }
        let inserted = &new.text[ns..ne];
        let start_position = point(old, start_byte);
        let new_end_position = match inserted.rfind('\n') {
            Some(i) => Point::new(
                start_position.row + inserted.matches('\n').count(),
                inserted.len() - i - 1,
            ),
            None => Point::new(start_position.row, start_position.column + inserted.len()),
        };
        tree.edit(&InputEdit {
            start_byte,
            old_end_byte,
            new_end_byte: start_byte + inserted.len(),
            start_position,
            old_end_position: point(old, old_end_byte),
            new_end_position,
        });
    }
    Some(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::source::linediff::diff_lines;

    /// The new side parsed from the edited old tree is the tree a fresh parse gives.
    fn same_as_fresh(lang: Lang, old: &str, new: &str) {
        let (o, n) = (SideText::new(old.into()), SideText::new(new.into()));
        let changes = LineChanges::from_hunks(diff_lines(old, new));
        let old_tree = super::super::matcher::parse(lang, old, None).expect("old parses");
        let edited = edited(&old_tree, &o, &n, &changes).expect("hunks line up");
        let again = super::super::matcher::parse(lang, new, Some(&edited)).expect("new parses");
        let fresh = super::super::matcher::parse(lang, new, None).expect("new parses");
        assert_eq!(
            again.root_node().to_sexp(),
            fresh.root_node().to_sexp(),
            "{new}"
        );
        assert_eq!(again.root_node().end_byte(), new.len());
        assert_eq!(
            again.root_node().end_position(),
            fresh.root_node().end_position()
        );
    }

    #[test]
    fn incremental_parses_match_fresh_ones() {
        let base = "import os\n\ndef f(x):\n    return x + 1\n\nclass A:\n    def g(self):\n        pass\n";
        let cases = [
            // a line replaced, one inserted, one removed, at the start, the end, no final newline
            base.replace("x + 1", "requests.get(u, verify=False)"),
            base.replace("\nclass A:", "\nfoo = 'bar'\n\nclass A:"),
            base.replace("import os\n", ""),
            format!("# header\n{base}"),
            format!("{base}x = 1"),
            base.trim_end().to_string(),
            // a string opened above code turns the code into text
            base.replace("def f(x):", "s = \"\"\"\ndef f(x):"),
            String::new(),
        ];
        for new in &cases {
            same_as_fresh(Lang::Python, base, new);
            same_as_fresh(Lang::Python, new, base);
        }
        let js = "const a = 1;\nfunction f() {\n  return fetch(u);\n}\n";
        same_as_fresh(
            Lang::Javascript,
            js,
            &js.replace(
                "fetch(u)",
                "fetch(u, {\n    rejectUnauthorized: false,\n  })",
            ),
        );
    }
}
