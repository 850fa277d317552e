//! `warren`: run scenarios, explain routing, lint and export RabbitMQ
//! topologies, with the same core the playground uses.
//!
//! Exit codes (also in `--help`):
//! - 0: success;
//! - 1: `check` found an error in the topology;
//! - 2: usage error (unknown subcommand or flag, missing argument);
//! - 3: input error (unreadable file, malformed JSON, invalid scenario or
//!   definitions, too large);
//! - 4: the topology was refused while loading (RabbitMQ would refuse it too).

mod args;
mod check;
mod export;
mod input;
mod route;
mod run;

use std::io::Write;
use std::process::ExitCode;

use args::Command;

/// Why `warren` stopped, with the exit code it stops with.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad command line.
    Usage(String),
    /// Bad input file.
    Input(String),
    /// The broker refused the topology.
    Refused(String),
    /// `check` found errors (the report is already printed).
    Findings,
}

impl Failure {
    fn code(&self) -> u8 {
        match self {
            Self::Findings => 1,
            Self::Usage(_) => 2,
            Self::Input(_) => 3,
            Self::Refused(_) => 4,
        }
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let result = args::parse(&argv).and_then(|cmd| match cmd {
        Command::Help(text) => {
            print!("{text}");
            Ok(())
        }
        Command::Version => {
            println!(
                "warren {} (models RabbitMQ 3.10.8)",
                env!("CARGO_PKG_VERSION")
            );
            Ok(())
        }
        Command::Run(a) => run::run(&a),
        Command::Route(a) => route::route(&a),
        Command::Check(a) => check::check(&a),
        Command::Export(a) => export::export(&a),
    });
    let _ = std::io::stdout().flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            match &f {
                Failure::Usage(m) => eprintln!("warren: {m}\nTry 'warren --help'."),
                Failure::Input(m) | Failure::Refused(m) => eprintln!("warren: {m}"),
                Failure::Findings => {}
            }
            ExitCode::from(f.code())
        }
    }
}
