//! Command-line parsing, by hand: four subcommands with a few flags each
//! do not need a parser crate, and the messages stay ours.

use crate::Failure;

pub(crate) const MAIN_HELP: &str = "\
warren: a RabbitMQ 3.10 broker model for scenarios and topologies

Usage: warren <COMMAND> [ARGS]

Commands:
  run       Run a scenario and print its trace
  route     Show where a message would go, binding by binding
  check     Lint a topology (definitions.json or a scenario)
  export    Write the topology back out as definitions.json

Options:
  -h, --help     Print help (also after a command: warren run --help)
  -V, --version  Print version

A FILE of '-' reads standard input.

Exit codes:
  0  success
  1  check found an error in the topology
  2  usage error
  3  input error (unreadable file, malformed JSON, invalid scenario or definitions)
  4  the topology was refused while loading, as RabbitMQ would refuse it
";

const RUN_HELP: &str = "\
Run a scenario on Warren's broker model and print the trace

Usage: warren run [OPTIONS] <SCENARIO>

Arguments:
  <SCENARIO>  Scenario file (docs/scenario.md), or '-' for standard input

Options:
      --json    Print the trace as JSON (the default)
      --pretty  Print a readable transcript: every step, where each message
                went and why, who received what
  -h, --help    Print help
";

const ROUTE_HELP: &str = "\
Show where a message would go, hop by hop, and why

Usage: warren route [OPTIONS] --exchange <NAME> <FILE>

Arguments:
  <FILE>  definitions.json, or a scenario (its definitions and declare steps), or '-'

Options:
  -e, --exchange <NAME>     Exchange to publish to ('' is the default exchange)
  -k, --routing-key <KEY>   Routing key (default '')
  -H, --header <K=V>        Message header; V is read as JSON when it parses
                            (5, true, \"text\") and as text otherwise. Repeatable.
                            CC and BCC take JSON arrays: -H 'CC=[\"a\",\"b\"]'
      --json                Print the explanation as JSON
  -h, --help                Print help
";

const CHECK_HELP: &str = "\
Lint a topology: unreachable queues, bindings to or from missing exchanges,
dead-letter and alternate exchanges that do not exist, routing loops,
policies that match nothing

Usage: warren check [OPTIONS] <FILE>

Arguments:
  <FILE>  definitions.json, or a scenario (its definitions), or '-'

Options:
      --json    Print findings as JSON
  -h, --help    Print help

Exits with 1 when a finding has severity 'error'.
";

const EXPORT_HELP: &str = "\
Write a topology out as RabbitMQ definitions.json (importable with
rabbitmqctl import_definitions or the management UI)

Usage: warren export [OPTIONS] <FILE>

Arguments:
  <FILE>  definitions.json (round-trips), or a scenario: its topology after
          running every step, or '-'

Options:
  -o, --output <PATH>  Write to PATH instead of standard output
      --json           Accepted for symmetry: the output is always JSON
  -h, --help           Print help
";

/// `warren run`.
#[derive(Debug, Default)]
pub(crate) struct RunArgs {
    pub(crate) file: String,
    pub(crate) pretty: bool,
}

/// `warren route`.
#[derive(Debug, Default)]
pub(crate) struct RouteArgs {
    pub(crate) file: String,
    pub(crate) exchange: String,
    pub(crate) routing_key: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) json: bool,
}

/// `warren check`.
#[derive(Debug, Default)]
pub(crate) struct CheckArgs {
    pub(crate) file: String,
    pub(crate) json: bool,
}

/// `warren export`.
#[derive(Debug, Default)]
pub(crate) struct ExportArgs {
    pub(crate) file: String,
    pub(crate) output: Option<String>,
}

/// A parsed command line.
#[derive(Debug)]
pub(crate) enum Command {
    Help(&'static str),
    Version,
    Run(RunArgs),
    Route(RouteArgs),
    Check(CheckArgs),
    Export(ExportArgs),
}

/// Splits `--flag=value` into flag and value.
fn split(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((f, v)) if f.starts_with("--") => (f, Some(v)),
        _ => (arg, None),
    }
}

struct Cursor<'a> {
    args: &'a [String],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn value(&mut self, flag: &str, inline: Option<&'a str>) -> Result<String, Failure> {
        if let Some(v) = inline {
            return Ok(v.to_owned());
        }
        self.at += 1;
        self.args
            .get(self.at)
            .cloned()
            .ok_or_else(|| Failure::Usage(format!("{flag} needs a value")))
    }
}

fn positional(slot: &mut Option<String>, arg: &str, command: &str) -> Result<(), Failure> {
    if slot.is_some() {
        return Err(Failure::Usage(format!(
            "unexpected argument {arg:?}: `warren {command}` takes one file"
        )));
    }
    *slot = Some(arg.to_owned());
    Ok(())
}

fn need_file(slot: Option<String>, command: &str) -> Result<String, Failure> {
    slot.ok_or_else(|| {
        Failure::Usage(format!(
            "`warren {command}` needs a file (or '-' for standard input)"
        ))
    })
}

/// Parses the arguments after the program name.
pub(crate) fn parse(argv: &[String]) -> Result<Command, Failure> {
    let Some(first) = argv.first() else {
        return Ok(Command::Help(MAIN_HELP));
    };
    let rest = &argv[1..];
    let (help, command) = match first.as_str() {
        "-h" | "--help" | "help" => return Ok(Command::Help(MAIN_HELP)),
        "-V" | "--version" => return Ok(Command::Version),
        "run" => (RUN_HELP, "run"),
        "route" => (ROUTE_HELP, "route"),
        "check" => (CHECK_HELP, "check"),
        "export" => (EXPORT_HELP, "export"),
        other => {
            return Err(Failure::Usage(format!(
                "unknown command {other:?}; expected run, route, check or export"
            )))
        }
    };
    let mut c = Cursor { args: rest, at: 0 };
    let mut file = None;
    let (mut pretty, mut json) = (false, false);
    let mut route = RouteArgs::default();
    let mut exchange_given = false;
    let mut output = None;
    while c.at < rest.len() {
        let arg = rest[c.at].as_str();
        let (flag, inline) = split(arg);
        match (command, flag) {
            (_, "-h" | "--help") => return Ok(Command::Help(help)),
            (_, "-") => positional(&mut file, arg, command)?,
            (_, "--json") => json = true,
            ("run", "--pretty") => pretty = true,
            ("route", "-e" | "--exchange") => {
                route.exchange = c.value(flag, inline)?;
                exchange_given = true;
            }
            ("route", "-k" | "--routing-key") => route.routing_key = c.value(flag, inline)?,
            ("route", "-H" | "--header") => {
                let kv = c.value(flag, inline)?;
                let (k, v) = kv.split_once('=').ok_or_else(|| {
                    Failure::Usage(format!("--header {kv:?}: expected KEY=VALUE"))
                })?;
                route.headers.push((k.to_owned(), v.to_owned()));
            }
            ("export", "-o" | "--output") => output = Some(c.value(flag, inline)?),
            (_, f) if f.starts_with('-') && f.len() > 1 => {
                return Err(Failure::Usage(format!(
                    "unknown option {f:?} for `warren {command}`"
                )))
            }
            _ => positional(&mut file, arg, command)?,
        }
        c.at += 1;
    }
    Ok(match command {
        "run" => {
            if pretty && json {
                return Err(Failure::Usage(
                    "--pretty and --json exclude each other".into(),
                ));
            }
            Command::Run(RunArgs {
                file: need_file(file, command)?,
                pretty,
            })
        }
        "route" => {
            if !exchange_given {
                return Err(Failure::Usage(
                    "`warren route` needs --exchange NAME (use --exchange '' for the default exchange)".into(),
                ));
            }
            route.file = need_file(file, command)?;
            route.json = json;
            Command::Route(route)
        }
        "check" => Command::Check(CheckArgs {
            file: need_file(file, command)?,
            json,
        }),
        _ => Command::Export(ExportArgs {
            file: need_file(file, command)?,
            output,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, Failure> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
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
        ]) {
            Ok(Command::Route(r)) => {
                assert_eq!((r.exchange.as_str(), r.routing_key.as_str()), ("x", "a.b"));
                assert_eq!(r.headers, vec![("k".to_string(), "v".to_string())]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            p(&["check", "-", "--json"]),
            Ok(Command::Check(CheckArgs { json: true, .. }))
        ));
        assert!(matches!(
            p(&["export", "d.json", "-o", "out.json"]),
            Ok(Command::Export(_))
        ));
        assert!(matches!(p(&["run", "--help"]), Ok(Command::Help(_))));
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        let msg = |r: Result<Command, Failure>| match r {
            Err(Failure::Usage(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(msg(p(&["fly"])).contains("unknown command"));
        assert!(msg(p(&["run"])).contains("needs a file"));
        assert!(msg(p(&["run", "a", "b"])).contains("one file"));
        assert!(msg(p(&["route", "d.json"])).contains("--exchange"));
        assert!(msg(p(&["route", "d.json", "-e"])).contains("needs a value"));
        assert!(msg(p(&["check", "d.json", "--frobnicate"])).contains("unknown option"));
        assert!(msg(p(&["route", "d", "-e", "x", "-H", "novalue"])).contains("KEY=VALUE"));
    }
}
