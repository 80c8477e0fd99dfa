//! One side of a file, decoded: its text and where its lines start.

use crate::source::Content;

/// A decoded side of a file.
pub struct SideText {
    pub text: String,
    line_starts: Vec<usize>,
    /// Every secret any rule found in this text: snippets and context lines mask them all, so
    /// one finding's context never shows another finding's secret.
    pub secrets: Vec<(usize, usize)>,
}

/// Why a side could not be read; the message becomes a notification.
pub enum LoadError {
    /// Skipped entirely.
    Skipped(String),
}

/// A decoded text, and a note when the bytes were not valid UTF-8.
pub struct Loaded {
    pub text: SideText,
    pub note: Option<String>,
}

impl SideText {
    pub fn new(text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        SideText {
            text,
            line_starts,
            secrets: Vec::new(),
        }
    }

    /// Number of lines (a final line without `\n` counts).
    pub fn line_count(&self) -> u32 {
        let n = self.line_starts.len();
        if self.text.ends_with('\n') || self.text.is_empty() {
            (n - 1) as u32
        } else {
            n as u32
        }
    }

    /// The byte offset where a 0-based line starts (the text's length past the last line).
    pub fn line_start(&self, line: u32) -> usize {
        self.line_starts
            .get(line as usize)
            .copied()
            .unwrap_or(self.text.len())
            .min(self.text.len())
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> u32 {
        (self.line_starts.partition_point(|&s| s <= offset) - 1) as u32
    }

    /// The byte range of a 0-based line, without its line terminator.
    pub fn line_range(&self, line: u32) -> (usize, usize) {
        let start = self
            .line_starts
            .get(line as usize)
            .copied()
            .unwrap_or(self.text.len());
        let mut end = self
            .line_starts
            .get(line as usize + 1)
            .map_or(self.text.len(), |e| e - 1);
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        (start, end.max(start))
    }

    /// 1-based column, in Unicode code points, of a byte offset.
    pub fn column_of(&self, offset: usize) -> u32 {
        let line = self.line_of(offset);
        let start = self.line_starts[line as usize];
        let offset = floor_boundary(&self.text, offset);
        self.text[start..offset].chars().count() as u32 + 1
    }

    /// 1-based column just past the end of a 0-based line.
    pub fn end_column(&self, line: u32) -> u32 {
        let (s, e) = self.line_range(line);
        self.text[s..e].chars().count() as u32 + 1
    }
}

pub fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Read and decode one side. Binary and oversized files are skipped; invalid UTF-8 is scanned
/// with the bad bytes replaced, and noted.
pub fn load(content: &Content, max_size: u64) -> Result<Option<Loaded>, LoadError> {
    let bytes = match content {
        Content::Absent => return Ok(None),
        Content::Bytes(b) => {
            if b.len() as u64 > max_size {
                return Err(too_big(b.len() as u64, max_size));
            }
            std::borrow::Cow::Borrowed(b.as_slice())
        }
        Content::Disk(p) => {
            // Not `metadata`: a link in the work tree must not make diffward read its target.
            let meta = std::fs::symlink_metadata(p)
                .map_err(|e| LoadError::Skipped(format!("skipped: cannot read the file: {e}")))?;
            if meta.file_type().is_symlink() {
                return Err(LoadError::Skipped("skipped: symbolic link".into()));
            }
            if !meta.is_file() {
                return Err(LoadError::Skipped("skipped: not a regular file".into()));
            }
            if meta.len() > max_size {
                return Err(too_big(meta.len(), max_size));
            }
            std::borrow::Cow::Owned(
                std::fs::read(p).map_err(|e| {
                    LoadError::Skipped(format!("skipped: cannot read the file: {e}"))
                })?,
            )
        }
    };
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Err(LoadError::Skipped("skipped: binary file".into()));
    }
    let (text, note) = match std::str::from_utf8(&bytes) {
        Ok(s) => (s.to_string(), None),
        Err(_) => (
            String::from_utf8_lossy(&bytes).into_owned(),
            Some("not valid UTF-8: scanned with the invalid bytes replaced".to_string()),
        ),
    };
    Ok(Some(Loaded {
        text: SideText::new(text),
        note,
    }))
}

fn too_big(size: u64, max: u64) -> LoadError {
    LoadError::Skipped(format!(
        "skipped: {size} bytes is over the {max}-byte limit (raise it with --max-file-size)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let t = SideText::new("ab\ncdé\r\nx".into());
        assert_eq!(t.line_count(), 3);
        assert_eq!(t.line_of(0), 0);
        assert_eq!(t.line_of(3), 1);
        assert_eq!(t.column_of(7), 4);
        assert_eq!(t.line_range(1), (3, 7));
        assert_eq!(t.end_column(1), 4);
    }
}
