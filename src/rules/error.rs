//! The error a rule that cannot be compiled gives, with the YAML field it concerns so the loader
//! can point at its line and column.

/// A compile error, with the field it concerns so the loader can point at it.
#[derive(Debug)]
pub struct CompileError {
    /// The YAML key the error is about (`query`, `regex`, `paths`, …), or `id`.
    pub field: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// For query errors: the row and column inside the query text (0-based).
    pub inner: Option<(usize, usize)>,
    /// The keys below `field` the error is about (`where`, `sorce`), when it is deeper.
    pub path: Vec<String>,
}

impl CompileError {
    pub(crate) fn new(field: &'static str, message: impl Into<String>) -> Self {
        CompileError {
            field,
            message: message.into(),
            help: None,
            inner: None,
            path: Vec::new(),
        }
    }

    pub(crate) fn at_path(mut self, path: &[&str]) -> Self {
        self.path = path.iter().map(|p| p.to_string()).collect();
        self
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
