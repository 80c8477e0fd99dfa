//! Reading Codex apply_patch bodies (to be written).
