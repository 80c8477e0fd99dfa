//! Applying an edit to a file's text (to be written).
use super::EditOp;

pub enum Applied {
    Text(String),
    Deleted,
    Inapplicable(String),
}

pub fn apply(_old: Option<&str>, _op: &EditOp) -> Applied {
    Applied::Inapplicable("not written yet".into())
}
