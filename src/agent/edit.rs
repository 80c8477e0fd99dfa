//! Applying an edit to a file's text (to be written).
