use std::process::ExitCode;

fn main() -> ExitCode {
    // Errors are rendered by miette; wider than its default so paths and hints stay on a line.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(miette::MietteHandlerOpts::new().width(110).build())
    }));
    match diffward::cli::run(std::env::args_os()) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}
