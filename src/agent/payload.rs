//! Reading an agent's hook payload (to be written).
use super::{Agent, ToolCall};

#[derive(Debug)]
pub struct PayloadError(pub String);

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn parse(_json: &str) -> Result<ToolCall, PayloadError> {
    Err(PayloadError("not written yet".into()))
}

pub fn parse_as(_json: &str, _agent: Agent) -> Result<ToolCall, PayloadError> {
    Err(PayloadError("not written yet".into()))
}
