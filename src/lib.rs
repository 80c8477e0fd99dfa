//! diffward: a static analysis scanner for code changes.
//!
//! The data flows one way: a change source (`source`) builds a `ChangeSet`; the `engine` runs
//! the compiled `rules` over both sides of each file and applies the diff semantics; the
//! resulting `Finding`s are plain data that `report` turns into human, JSON, SARIF or GitHub
//! output. `cli` wires the steps together for the binary. `analyzers` turns manifests, lockfiles
//! and package-manager configuration into typed facts with exact locations (the dependencies
//! pack; the ci and credentials packs will add their kinds), and holds the design of that layer.

pub mod agent;
pub mod analyzers;
pub mod checksum;
pub mod cli;
pub mod config;
pub mod engine;
pub mod finding;
pub mod guard;
pub mod lang;
pub mod redact;
pub mod report;
pub mod rule_tests;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod timings;
