//! The command line, declared with clap's derive so that help, errors,
//! `--version` and shell completions look like every other Rust CLI's.
//! The words of the help are ours; the layout is clap's.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, Parser, Subcommand};
use warren_core::FieldValue;

/// Below the commands in `warren --help`: what `-` means and what the exit
/// codes are, since scripts and CI branch on them.
const AFTER_HELP: &str = "\
A FILE of '-' reads standard input.

Exit codes:
  0  success
  1  check found an error in the topology
  2  usage error
  3  input error (unreadable file, malformed JSON, invalid scenario or
     definitions)
  4  the topology was refused while loading, as RabbitMQ would refuse it
  5  run: a lesson step's expectations did not hold
  141  the reader closed the output early (warren run ... | head)";

/// `warren --version`: the version of the model matters as much as ours.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (models RabbitMQ 3.10.8)");

/// A RabbitMQ 3.10 broker model for scenarios and topologies
#[derive(Debug, Parser)]
#[command(
    name = "warren",
    version = VERSION,
    after_help = AFTER_HELP,
    max_term_width = 100,
    // As the hand parser did: a repeated flag or option is not an error,
    // the last one wins.
    args_override_self = true
)]
pub(crate) struct Cli {
    /// None: `warren` alone prints the help and succeeds, as it always has.
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// A parsed command line.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a scenario and print its trace
    ///
    /// The scenario runs on Warren's broker model; the trace is JSON unless
    /// --pretty.
    Run(RunArgs),
    /// Show where a message would go, binding by binding
    ///
    /// Hop by hop, and why.
    Route(RouteArgs),
    /// Lint a topology (definitions.json or a scenario)
    ///
    /// Unreachable queues, bindings to or from missing exchanges, dead-letter
    /// and alternate exchanges that do not exist, routing loops, policies
    /// that match nothing. Exits with 1 when a finding has severity 'error'.
    Check(CheckArgs),
    /// Write the topology back out as definitions.json, or as pika code
    ///
    /// definitions.json is importable with rabbitmqctl import_definitions or
    /// the management UI; --format pika writes runnable Python scripts.
    Export(ExportArgs),
    /// Print a shell completion script
    ///
    /// For example: warren completions bash > ~/.local/share/bash-completion/completions/warren
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `warren run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Scenario file (docs/scenario.md), or '-' for standard input
    #[arg(value_name = "SCENARIO")]
    pub(crate) file: String,
    /// Print the trace as JSON (the default)
    #[arg(long = "json", id = "json", conflicts_with = "pretty")]
    _json: bool,
    /// Print a readable transcript: every step, where each message went and
    /// why, who received what
    #[arg(long)]
    pub(crate) pretty: bool,
}

/// `warren route`. Option values may start with '-' (a routing key of
/// "-" is a routing key), as the hand parser allowed.
#[derive(Debug, Args)]
pub(crate) struct RouteArgs {
    /// definitions.json, or a scenario (its definitions and declare steps), or '-'
    pub(crate) file: String,
    /// Exchange to publish to ('' is the default exchange)
    #[arg(short, long, value_name = "NAME", allow_hyphen_values = true)]
    pub(crate) exchange: String,
    /// Routing key (default '')
    #[arg(
        short = 'k',
        long,
        value_name = "KEY",
        default_value = "",
        hide_default_value = true,
        allow_hyphen_values = true
    )]
    pub(crate) routing_key: String,
    /// Message header; V is read as JSON when it parses (5, true, "text") and
    /// as text otherwise. Repeatable. CC and BCC take JSON arrays:
    /// -H 'CC=["a","b"]'
    #[arg(
        short = 'H',
        long = "header",
        value_name = "K=V",
        value_parser = header,
        allow_hyphen_values = true
    )]
    pub(crate) headers: Vec<(String, FieldValue)>,
    /// Print the explanation as JSON
    #[arg(long)]
    pub(crate) json: bool,
}

/// `warren check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// definitions.json, or a scenario (its definitions), or '-'
    pub(crate) file: String,
    /// Print findings as JSON
    #[arg(long)]
    pub(crate) json: bool,
}

/// `warren export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// definitions.json (round-trips), or a scenario: its topology after
    /// running every step, or '-'
    pub(crate) file: String,
    /// Write to PATH instead of standard output (with --format pika: the
    /// directory to write the scripts into, created if missing)
    #[arg(short, long, value_name = "PATH", allow_hyphen_values = true)]
    pub(crate) output: Option<String>,
    /// What to write: RabbitMQ's definitions.json, or pika 1.x Python
    /// scripts (topology.py, one publisher per producer, one consumer per
    /// consumer; docs/export.md)
    #[arg(long, value_enum, default_value_t = ExportFormat::Definitions)]
    pub(crate) format: ExportFormat,
    /// Accepted for symmetry: definitions are always JSON
    #[arg(long = "json", id = "json")]
    _json: bool,
}

/// `warren export --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExportFormat {
    /// definitions.json, importable with rabbitmqctl import_definitions
    Definitions,
    /// Runnable pika 1.x Python scripts
    Pika,
}

/// A `--header K=V`: the value is JSON when it parses (`5`, `true`, `["a"]`)
/// and text otherwise, checked here so that a bad one is a usage error.
fn header(kv: &str) -> Result<(String, FieldValue), String> {
    let (k, v) = kv
        .split_once('=')
        .ok_or_else(|| "expected KEY=VALUE".to_owned())?;
    let value = match serde_json::from_str::<serde_json::Value>(v) {
        Ok(json) => FieldValue::from_json(&json).map_err(|e| format!("value {v:?}: {e}"))?,
        Err(_) => FieldValue::str(v),
    };
    Ok((k.to_owned(), value))
}

/// Parses the command line, or returns clap's error (help and `--version`
/// are errors of kinds that print to standard output and exit 0).
pub(crate) fn parse<I, T>(argv: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::try_parse_from(argv).map_err(with_tip)
}

/// A missing `--exchange` says how to name the default exchange, which
/// has no name to give.
fn with_tip(mut e: clap::Error) -> clap::Error {
    let exchange_missing = e.kind() == ErrorKind::MissingRequiredArgument
        && matches!(
            e.get(ContextKind::InvalidArg),
            Some(ContextValue::Strings(args)) if args.iter().any(|a| a.starts_with("--exchange"))
        );
    if exchange_missing {
        e.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec!["use --exchange '' for the default exchange".into()]),
        );
    }
    e
}

/// `warren completions SHELL`: the script, on standard output.
pub(crate) fn completions(shell: clap_complete::Shell) {
    clap_complete::generate(shell, &mut Cli::command(), "warren", &mut std::io::stdout());
}

/// `warren` with no command: what `warren --help` prints.
pub(crate) fn print_help() {
    let _ = Cli::command().print_help();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, clap::Error> {
        let argv = std::iter::once("warren").chain(args.iter().copied());
        parse(argv).map(|cli| cli.command.expect("a command"))
    }

    #[test]
    fn the_declaration_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_each_subcommand() {
        assert!(matches!(
            p(&["run", "s.json", "--pretty"]),
            Ok(Command::Run(RunArgs { pretty: true, .. }))
        ));
        match p(&[
            "route",
            "d.json",
            "-e",
            "x",
            "--routing-key=a.b",
            "-H",
            "k=v",
            "-H",
            "n=1",
        ]) {
            Ok(Command::Route(r)) => {
                assert_eq!((r.exchange.as_str(), r.routing_key.as_str()), ("x", "a.b"));
                assert_eq!(
                    r.headers,
                    vec![
                        ("k".to_string(), FieldValue::str("v")),
                        ("n".to_string(), FieldValue::I32(1))
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            p(&["check", "-", "--json"]),
            Ok(Command::Check(CheckArgs { json: true, .. }))
        ));
        assert!(matches!(
            p(&["export", "d.json", "-o", "out.json", "--json"]),
            Ok(Command::Export(ExportArgs {
                output: Some(_),
                ..
            }))
        ));
        assert!(matches!(
            p(&["route", "-", "-e", "", "-k", "-"]),
            Ok(Command::Route(RouteArgs { ref exchange, ref routing_key, .. }))
                if exchange.is_empty() && routing_key == "-"
        ));
        assert!(matches!(
            p(&["run", "a.json", "--pretty", "--pretty"]),
            Ok(Command::Run(_))
        ));
        let help = p(&["run", "--help"]).unwrap_err();
        assert_eq!((help.kind(), help.exit_code()), (ErrorKind::DisplayHelp, 0));
        assert!(parse(["warren"]).unwrap().command.is_none());
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        let msg = |args: &[&str]| {
            let e = p(args).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}");
            e.render().to_string()
        };
        assert!(msg(&["fly"]).contains("unrecognized subcommand 'fly'"));
        assert!(msg(&["run"]).contains("<SCENARIO>"));
        assert!(msg(&["run", "a", "b"]).contains("unexpected argument 'b'"));
        let no_exchange = msg(&["route", "d.json"]);
        assert!(no_exchange.contains("--exchange <NAME>"), "{no_exchange}");
        assert!(no_exchange.contains("--exchange ''"), "{no_exchange}");
        assert!(msg(&["route", "d.json", "-e"]).contains("a value is required"));
        assert!(msg(&["check", "d.json", "--frobnicate"]).contains("'--frobnicate'"));
        assert!(msg(&["route", "d", "-e", "x", "-H", "novalue"]).contains("KEY=VALUE"));
        assert!(msg(&["run", "a.json", "--pretty", "--json"]).contains("cannot be used with"));
    }
}
