use std::process::ExitCode;

fn main() -> ExitCode {
    match diffward::cli::run(std::env::args_os()) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}
