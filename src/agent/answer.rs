//! Answering an agent in its own hook protocol (to be written).
use super::{Agent, Decision};

pub struct Answer {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

pub fn render(_agent: Agent, _event: &str, d: &Decision, _context: Option<&str>) -> Answer {
    Answer {
        code: if d.deny { 2 } else { 0 },
        stdout: String::new(),
        stderr: d.reason.clone(),
    }
}

pub fn failure(_agent: Agent, _event: &str, message: &str, fail_closed: bool) -> Answer {
    Answer {
        code: if fail_closed { 2 } else { 0 },
        stdout: String::new(),
        stderr: message.into(),
    }
}
