use std::process::ExitCode;

fn main() -> ExitCode {
    // Errors are rendered by miette; wider than its default so paths and hints stay on a line.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(miette::MietteHandlerOpts::new().width(110).build())
    }));
    // A bug must not greet a user with a stack trace: one line, and where to report it.
    std::panic::set_hook(Box::new(|info| {
        // (a parser's panic that `guard::run` catches costs one file, with a notification)
        if diffward::guard::is_quiet() {
            return;
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("diffward: internal error{at}: {what}\nThis is a bug in diffward; please report it with the command you ran.");
    }));
    match diffward::cli::run(std::env::args_os()) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}
