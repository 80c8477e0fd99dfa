//! The parts of a modified file's two sides that syntax rules must walk.
//!
//! Outside the changed lines and the ranges whose syntax the change altered (tree-sitter's
//! `changed_ranges` between the edited old tree and the new one), the two sides are the same
//! text with the same trees: every match there has an identical twin on the other side, and a
//! twin pair cancels out in the diff semantics (an unchanged occurrence claims its
//! counterpart). Such pairs change nothing for `added` and `removed` rules, so those rules need
//! only the matches that intersect these regions, on each side. A query cursor limited to a
//! byte range returns every match whose pattern's root node intersects the range (its
//! captures may lie outside), which is what the semantics need.
//!
//! Not for counting rules: a unit's counts include its unchanged members. Not for `any` rules:
//! they report whatever the file holds.

use tree_sitter::Tree;

use super::concern::MARGIN;
use super::reparse::aligned;
use super::text::SideText;
use crate::source::linediff::LineChanges;

/// Byte ranges (sorted, merged) of each side to walk.
pub struct Regions {
    pub old: Vec<(usize, usize)>,
    pub new: Vec<(usize, usize)>,
}

/// The regions of a file whose new tree was parsed from `edited_old` (the old tree with the
/// hunks applied as edits); `None` when the hunks do not line the sides up.
pub fn of(
    changes: &LineChanges,
    old: &SideText,
    new: &SideText,
    edited_old: &Tree,
    new_tree: &Tree,
) -> Option<Regions> {
    let starts = aligned(changes)?;
    let hunks = changes.hunks();
    // Line ranges (inclusive). Around the changed lines, the lines a finding can show (its
    // snippet and context): a secret there must be found to be masked. Around a range whose
    // syntax changed, a line.
    let m = MARGIN;
    let mut old_lines = Vec::new();
    let mut new_lines = Vec::new();
    for (h, &(o, n)) in hunks.iter().zip(&starts) {
        old_lines.push((o.saturating_sub(m), o + h.old_len + m));
        new_lines.push((n.saturating_sub(m), n + h.new_len + m));
    }
    // A new line's place on the old side: inside a hunk, that hunk's old lines.
    let to_old = |line: u32| -> (u32, u32) {
        let mut shift: i64 = 0;
        for (h, &(o, n)) in hunks.iter().zip(&starts) {
            if line < n {
                break;
            }
            if line < n + h.new_len {
                return (o, o + h.old_len);
            }
            shift = i64::from(n + h.new_len) - i64::from(o + h.old_len);
        }
        let l = (i64::from(line) - shift).max(0) as u32;
        (l, l)
    };
    for r in edited_old.changed_ranges(new_tree) {
        let a = new.line_of(r.start_byte.min(new.text.len()));
        let b = new.line_of(r.end_byte.min(new.text.len()));
        new_lines.push((a.saturating_sub(1), b + 1));
        let (oa, _) = to_old(a);
        let (_, ob) = to_old(b);
        old_lines.push((oa.saturating_sub(1), ob + 1));
    }
    Some(Regions {
        old: to_bytes(old, old_lines),
        new: to_bytes(new, new_lines),
    })
}

/// Inclusive line ranges as sorted, merged byte ranges.
fn to_bytes(text: &SideText, mut lines: Vec<(u32, u32)>) -> Vec<(usize, usize)> {
    lines.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (a, b) in lines {
        let (s, e) = (text.line_start(a), text.line_start(b.saturating_add(1)));
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e.max(s))),
        }
    }
    out
}
