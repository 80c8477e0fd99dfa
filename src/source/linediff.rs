//! Line diffs between the two sides of a file, and what follows from them: which lines are
//! added or removed, and where an old line sits in the new text.

use std::time::Duration;

use similar::{Algorithm, DiffOp, TextDiff};

use super::Hunk;

/// The hunks that turn `old` into `new`.
pub fn diff_lines(old: &str, new: &str) -> Vec<Hunk> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        // A pathological file must not stall a pre-push hook; past this the diff is coarser.
        .timeout(Duration::from_secs(2))
        .diff_lines(old, new);
    let mut hunks: Vec<Hunk> = Vec::new();
    for op in diff.ops() {
        let (o, n) = match *op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete {
                old_index,
                old_len,
                new_index,
            } => ((old_index, old_len), (new_index, 0)),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => ((old_index, 0), (new_index, new_len)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => ((old_index, old_len), (new_index, new_len)),
        };
        let h = Hunk {
            old_start: o.0 as u32,
            old_len: o.1 as u32,
            new_start: n.0 as u32,
            new_len: n.1 as u32,
        };
        // Merge adjacent delete+insert into one hunk so a replaced line maps to its replacement.
        if let Some(last) = hunks.last_mut() {
            if last.old_start + last.old_len == h.old_start
                && last.new_start + last.new_len == h.new_start
            {
                last.old_len += h.old_len;
                last.new_len += h.new_len;
                continue;
            }
        }
        hunks.push(h);
    }
    hunks
}

/// The changed lines of a file, for the diff semantics.
#[derive(Debug, Clone)]
pub struct LineChanges {
    hunks: Vec<Hunk>,
    /// Every line of the new side is added (a new file, or a plain scan).
    all_added: bool,
    /// Every line of the old side is removed (a deleted file).
    all_removed: bool,
}

impl LineChanges {
    pub fn from_hunks(hunks: Vec<Hunk>) -> Self {
        LineChanges {
            hunks,
            all_added: false,
            all_removed: false,
        }
    }

    pub fn all_added() -> Self {
        LineChanges {
            hunks: Vec::new(),
            all_added: true,
            all_removed: false,
        }
    }

    pub fn all_removed() -> Self {
        LineChanges {
            hunks: Vec::new(),
            all_added: false,
            all_removed: true,
        }
    }

    /// The hunks, in order (empty when a whole side changed).
    pub fn hunks(&self) -> &[Hunk] {
        &self.hunks
    }

    pub fn is_all_added(&self) -> bool {
        self.all_added
    }

    pub fn has_added_lines(&self) -> bool {
        self.all_added || self.hunks.iter().any(|h| h.new_len > 0)
    }

    pub fn has_removed_lines(&self) -> bool {
        self.all_removed || self.hunks.iter().any(|h| h.old_len > 0)
    }

    /// How many lines of a new side with `line_count` lines were added.
    pub fn added_count(&self, line_count: u32) -> u64 {
        if self.all_added {
            u64::from(line_count)
        } else {
            self.hunks.iter().map(|h| u64::from(h.new_len)).sum()
        }
    }

    /// Whether the new side's line (0-based) was added.
    pub fn is_added(&self, line: u32) -> bool {
        self.all_added
            || self
                .hunks
                .iter()
                .any(|h| line >= h.new_start && line < h.new_start + h.new_len)
    }

    /// Whether the old side's line (0-based) was removed.
    pub fn is_removed(&self, line: u32) -> bool {
        self.all_removed
            || self
                .hunks
                .iter()
                .any(|h| line >= h.old_start && line < h.old_start + h.old_len)
    }

    /// The lines (0-based, inclusive ranges, merged) within `margin` lines of an added line of
    /// the new side (`new`) or of a removed line of the old side; `None` when every line of
    /// that side changed.
    pub fn near_changes(&self, new: bool, margin: u32) -> Option<Vec<(u32, u32)>> {
        if (new && self.all_added) || (!new && self.all_removed) {
            return None;
        }
        let mut out: Vec<(u32, u32)> = Vec::new();
        for h in &self.hunks {
            let (start, len) = if new {
                (h.new_start, h.new_len)
            } else {
                (h.old_start, h.old_len)
            };
            if len == 0 {
                continue;
            }
            let (a, b) = (start.saturating_sub(margin), start + len - 1 + margin);
            match out.last_mut() {
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        Some(out)
    }

    /// The first run of added lines within `first..=last` (0-based, inclusive).
    pub fn first_added_run(&self, first: u32, last: u32) -> Option<(u32, u32)> {
        let start = (first..=last).find(|&l| self.is_added(l))?;
        let mut end = start;
        while end < last && self.is_added(end + 1) {
            end += 1;
        }
        Some((start, end))
    }

    /// Where an old line (0-based) sits in the new text: for a removed line, the first line of
    /// its replacement, or the line that now follows the removal.
    pub fn old_to_new(&self, old_line: u32) -> u32 {
        let mut shift: i64 = 0;
        for h in &self.hunks {
            if old_line < h.old_start {
                break;
            }
            if old_line < h.old_start + h.old_len {
                return h.new_start;
            }
            shift += i64::from(h.new_len) - i64::from(h.old_len);
        }
        (i64::from(old_line) + shift).max(0) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaced_line_maps_to_its_replacement() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nB\nc\nx\ny\nd\n";
        let ch = LineChanges::from_hunks(diff_lines(old, new));
        assert!(ch.is_added(1) && !ch.is_added(0) && ch.is_added(3) && ch.is_added(4));
        assert!(ch.is_removed(1) && !ch.is_removed(3));
        assert_eq!(ch.old_to_new(1), 1);
        assert_eq!(ch.old_to_new(3), 5);
        assert_eq!(ch.first_added_run(2, 5), Some((3, 4)));
    }

    #[test]
    fn removed_line_maps_to_the_line_after_it() {
        let old = "@login_required\ndef view():\n    pass\n";
        let new = "def view():\n    pass\n";
        let ch = LineChanges::from_hunks(diff_lines(old, new));
        assert!(ch.is_removed(0));
        assert_eq!(ch.old_to_new(0), 0);
        assert_eq!(ch.old_to_new(2), 1);
    }
}
