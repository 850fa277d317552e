//! `warren`: run scenarios, explain routing, lint and export RabbitMQ
//! topologies, with the same core the playground uses.
//!
//! Exit codes (also in `--help`):
//! - 0: success;
//! - 1: `check` found an error in the topology;
//! - 2: usage error (unknown subcommand or flag, missing argument);
//! - 3: input error (unreadable file, malformed JSON, invalid scenario or
//!   definitions, too large);
//! - 4: the topology was refused while loading (RabbitMQ would refuse it too);
//! - 5: `run` on a lesson: an expectation of a step did not hold;
//! - 141: the reader closed standard output early (see `out.rs`).

mod args;
mod check;
mod export;
mod input;
mod out;
mod route;
mod run;

use std::io::Write;
use std::process::ExitCode;

use args::Command;

/// Why `warren` stopped, with the exit code it stops with. Usage errors
/// (exit 2) are clap's and never get this far.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad input file.
    Input(String),
    /// The broker refused the topology.
    Refused(String),
    /// `check` found errors (the report is already printed).
    Findings,
    /// A lesson step's expectations did not hold (each failure names the
    /// step and its caption).
    Lesson(String),
}

impl Failure {
    fn code(&self) -> u8 {
        match self {
            Self::Findings => 1,
            Self::Input(_) => 3,
            Self::Refused(_) => 4,
            Self::Lesson(_) => 5,
        }
    }
}

fn main() -> ExitCode {
    let cli = match args::parse(std::env::args_os()) {
        Ok(cli) => cli,
        // Help and --version go to standard output and exit 0; usage
        // errors go to standard error and exit 2.
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        None => {
            args::print_help();
            Ok(())
        }
        Some(Command::Run(a)) => run::run(&a),
        Some(Command::Route(a)) => route::route(&a),
        Some(Command::Check(a)) => check::check(&a),
        Some(Command::Export(a)) => export::export(&a),
        Some(Command::Completions { shell }) => {
            args::completions(shell);
            Ok(())
        }
    };
    let _ = std::io::stdout().flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            match &f {
                Failure::Input(m) | Failure::Refused(m) | Failure::Lesson(m) => {
                    eprintln!("warren: {m}");
                }
                Failure::Findings => {}
            }
            ExitCode::from(f.code())
        }
    }
}
