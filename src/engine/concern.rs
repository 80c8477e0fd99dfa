//! Which rules a change can concern at all, decided before anything is parsed.
//!
//! A rule reports what a change introduced (`added`) or took away (`removed`), so what it
//! matches must touch a changed line. Its literals (the words its query or regex needs: the
//! prefilter) must then occur near a changed line: in the lines within `MARGIN` of an added
//! line of some new side, or of a removed line of some old side. A rule whose literals occur
//! near no changed line of the whole change is left out of the scan, on both sides of every
//! file: nothing it could match would be reported. That is most rules of most changes, so most
//! queries are never built and most old sides never parsed.
//!
//! A rule that does concern the change runs as before, on both whole sides of every file its
//! full-text prefilter lets through: the multiset semantics need every occurrence, changed or
//! not, anywhere in the change (code moved between files, occurrences on unchanged lines that
//! claim their counterparts first, every unit a counting rule counts). `any` rules are not
//! decided here: they report whatever a changed file holds.
//!
//! `MARGIN` covers what a finding shows (a snippet of up to `MAX_SNIPPET_LINES` lines from where
//! the match touches the change, and `CONTEXT_LINES` around it), so a secret on any line a report
//! can show is still found and masked.

use super::snippet::{CONTEXT_LINES, MAX_SNIPPET_LINES};
use super::text::SideText;
use super::{Engine, ReadFile};
use crate::lang::Lang;
use crate::rules::{DiffMode, Matcher};
use crate::source::FileChange;

/// Lines around a changed line whose literals still count as near it.
pub const MARGIN: u32 = MAX_SNIPPET_LINES + CONTEXT_LINES;

/// What the first pass learnt of one file: the file as read (kept for the scan, so no file is
/// read or diffed twice), and which rules its changed lines concern.
pub struct Concern {
    pub read: Option<ReadFile>,
    pub rules: Vec<usize>,
}

/// Whether the concern pass decides for this rule: the `added` and `removed` text rules.
/// Counting rules too: a count can only fall (or rise) where a counted match was removed (or
/// added), and a counted match is small (a test's title, one assertion), its literals on its
/// own lines.
pub fn decided_here(rule: &crate::rules::Rule) -> bool {
    rule.diff != DiffMode::Any && !matches!(rule.matcher, Matcher::Fact(_))
}

/// The lines of `text` within `ranges` (0-based, inclusive), one after the other.
fn lines_in(text: &SideText, ranges: &[(u32, u32)]) -> String {
    let mut out = String::new();
    let last = text.line_count().saturating_sub(1);
    for &(a, b) in ranges {
        if a > last {
            break;
        }
        let (s, _) = text.line_range(a);
        let (_, e) = text.line_range(b.min(last));
        out.push_str(&text.text[s..e]);
        out.push('\n');
    }
    out
}

impl Engine<'_> {
    /// The concern of one file: the rules decided here whose literals occur near its changed
    /// lines.
    pub(super) fn concern(&self, f: &FileChange) -> Concern {
        let lang = Lang::for_path(&f.path);
        let decided: Vec<usize> = self
            .rules_for(lang, &f.path, f.old_path.as_deref())
            .into_iter()
            .filter(|&r| decided_here(&self.rules.rules[r]))
            .collect();
        if decided.is_empty() {
            return Concern {
                read: None,
                rules: Vec::new(),
            };
        }
        let read = self.read(f);
        let Some(changes) = &read.changes else {
            return Concern {
                read: Some(read),
                rules: Vec::new(),
            };
        };
        let mut rules = Vec::new();
        for (side, is_new, mode) in [
            (&read.new, true, DiffMode::Added),
            (&read.old, false, DiffMode::Removed),
        ] {
            let Some(text) = side else { continue };
            let mine: Vec<usize> = decided
                .iter()
                .copied()
                .filter(|&r| self.rules.rules[r].diff == mode)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let near = match changes.near_changes(is_new, MARGIN) {
                None => self.prefilter(&mine, &text.text),
                Some(ranges) if ranges.is_empty() => Vec::new(),
                Some(ranges) => self.prefilter(&mine, &lines_in(text, &ranges)),
            };
            rules.extend(near);
        }
        Concern {
            read: Some(read),
            rules,
        }
    }
}
