//! A third-party parser that panics on some input must cost one file, not the scan: `run` calls
//! it under `catch_unwind` and turns the panic into an error for a notification. The binary's
//! panic hook asks `is_quiet` and stays silent for a panic that is caught here.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Whether the panic being reported happens inside `run` on this thread (it will be caught).
pub fn is_quiet() -> bool {
    QUIET.with(Cell::get)
}

/// `f()`, or the panic's message.
pub fn run<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = QUIET.with(|q| q.replace(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    r.map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the parser failed".to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_an_error() {
        let r: Result<(), String> = super::run(|| panic!("boom"));
        assert_eq!(r.unwrap_err(), "boom");
        assert!(!super::is_quiet());
        assert_eq!(super::run(|| 3), Ok(3));
    }
}
