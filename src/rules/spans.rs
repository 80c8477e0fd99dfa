//! Where each key and value of a YAML document is, by its path (`rules[3].fact.where.source`):
//! read from a YAML parser's events, which carry their positions, so that an error found after
//! deserialising (a rule that does not compile) points at the exact key in block or flow style.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// The 1-based line and column of every key (`path`) and value (`path=`) of a document.
#[derive(Debug, Default)]
pub struct Spans {
    at: HashMap<String, (usize, usize)>,
}

impl Spans {
    /// The spans of `src`; empty when it is not YAML (the deserialiser says why, with a place).
    pub fn of(src: &str) -> Spans {
        let mut walker = Walker::default();
        let mut parser = Parser::new_from_str(src);
        if parser.load(&mut walker, false).is_err() {
            return Spans::default();
        }
        Spans { at: walker.at }
    }

    /// Where the key at `path` is written.
    pub fn key(&self, path: &str) -> Option<(usize, usize)> {
        self.at.get(path).copied()
    }

    /// Where the value at `path` starts.
    pub fn value(&self, path: &str) -> Option<(usize, usize)> {
        self.at.get(&format!("{path}=")).copied()
    }
}

enum Frame {
    /// A mapping: its path, and the key whose value comes next (none: a key comes next).
    Map(String, Option<String>),
    /// A sequence: its path and the index of the next item.
    Seq(String, usize),
}

#[derive(Default)]
struct Walker {
    stack: Vec<Frame>,
    at: HashMap<String, (usize, usize)>,
}

impl Walker {
    /// The path of the node that comes next, and advance past it.
    fn next_value_path(&mut self) -> Option<String> {
        match self.stack.last_mut()? {
            Frame::Map(path, key) => {
                let k = key.take()?;
                Some(if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                })
            }
            Frame::Seq(path, i) => {
                *i += 1;
                Some(format!("{path}[{}]", *i - 1))
            }
        }
    }
}

impl MarkedEventReceiver for Walker {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let here = (mark.line(), mark.col() + 1);
        let is_key = matches!(self.stack.last(), Some(Frame::Map(_, None)));
        match ev {
            Event::Scalar(text, ..) if is_key => {
                if let Some(Frame::Map(path, key)) = self.stack.last_mut() {
                    let full = if path.is_empty() {
                        text.clone()
                    } else {
                        format!("{path}.{text}")
                    };
                    self.at.entry(full).or_insert(here);
                    *key = Some(text);
                }
            }
            Event::Scalar(..) | Event::Alias(_) => {
                if let Some(p) = self.next_value_path() {
                    self.at.entry(format!("{p}=")).or_insert(here);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let path = if self.stack.is_empty() {
                    String::new()
                } else {
                    self.next_value_path().unwrap_or_default()
                };
                self.at.entry(format!("{path}=")).or_insert(here);
                self.stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map(path, None)
                } else {
                    Frame::Seq(path, 0)
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_in_block_and_flow_style() {
        let src = "rules:\n  - id: a/b\n    fact:\n      where: { sorce: git }\n  - {id: c/d, fact: {kind: dependency}}\n";
        let s = Spans::of(src);
        assert_eq!(s.key("rules[0].fact"), Some((3, 5)));
        assert_eq!(s.key("rules[0].fact.where.sorce"), Some((4, 16)));
        assert_eq!(s.value("rules[0].fact.where.sorce"), Some((4, 23)));
        assert_eq!(s.key("rules[1].fact.kind"), Some((5, 22)));
        assert_eq!(s.value("rules[1]"), Some((5, 5)));
        assert!(Spans::of("rules: [").key("rules").is_none());
    }
}
