//! Suppressions: what keeps a finding out of the report, and what keeps a change from using
//! that to hide its own risk.
//!
//! A finding can be suppressed two ways:
//!
//! - **in source**, by an allow comment with a reason on its line or the line above
//!   (`comment`): the engine judges this while it still has the text, and hands the finding on
//!   with a `Suppression` attached instead of dropping it;
//! - **externally**, by an entry of a baseline file (`baseline`): the scan's driver judges this
//!   after every finding of the change is known, since an entry is counted across the change.
//!
//! The data that flows:
//!
//! ```text
//! engine ──findings + suppressed (Suppression { kind: InSource, line, added_by_change })──┐
//! baseline file ──entries (rule, path, fingerprint, count, reason, owner, expires)───────┤
//!                                                                                        v
//!                         policy::settle ── reported | suppressed | unused entries | notes
//! ```
//!
//! `policy::settle` owns the decisions, in this order:
//!
//! 1. A reported finding that a baseline entry covers (same rule, same path — followed across
//!    renames — and same fingerprint, each entry covering `count` occurrences) becomes
//!    suppressed; an entry whose `expires` date has passed suppresses nothing and the finding
//!    says so. Entries that covered nothing are the unused ones (`--report-unused`, dropped by
//!    `baseline update`).
//! 2. A suppression that the change itself added (an allow comment on an added line, a
//!    baseline entry the base side of the baseline file did not have) by an AI-assisted commit
//!    does not silence a critical or high finding unless `diffward.toml` says
//!    `[policy] ai-assisted-may-suppress = true`: the finding is reported, and says why. An
//!    agent that meets a finding it cannot fix must not be able to make the gate pass by
//!    writing the exception itself; a person can still accept it, in a commit of their own.
//!
//! 3. Whatever silenced it, a suppression the change added is visible: the `checks` pack's
//!    rules tagged `suppression-report` find every allow comment and baseline entry a change
//!    adds, and `policy::keep_effective_suppression_reports` keeps those that cover a finding,
//!    naming it (low severity), so a reviewer sees what was silenced and why. A marker that
//!    covers nothing (a rule's documentation, a string listing markers) is not reported. Those
//!    rules cannot be silenced themselves (tag `unsuppressible`), and say nothing in a plain
//!    scan of files, which has no change that added anything (tag `change-only`).

pub mod baseline;
pub mod comment;
pub mod policy;

pub use comment::{allow_reason, allow_without_reason, is_comment_line, line_allows};
