//! Answering an agent in its own hook protocol (to be written).
