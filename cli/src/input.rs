//! Reading input files (or standard input) and loading the topology they hold.

use std::io::Read;

use serde_json::Value;
use warren_core::{Broker, Definitions, DefinitionsError, Runner, Scenario, ScenarioError};

use crate::Failure;

/// Largest input accepted, so that a wrong file fails fast (a documented limit).
pub(crate) const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// An input's text and the name to report it by.
pub(crate) struct Input {
    pub(crate) name: String,
    pub(crate) text: String,
}

/// Reads `path` (`-` = standard input), at most [`MAX_INPUT_BYTES`].
pub(crate) fn read(path: &str) -> Result<Input, Failure> {
    let (name, mut reader): (String, Box<dyn Read>) = if path == "-" {
        ("<stdin>".into(), Box::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(path).map_err(|e| Failure::Input(format!("{path}: {e}")))?;
        (path.to_owned(), Box::new(f))
    };
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Input(format!("{name}: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::Input(format!(
            "{name}: larger than {} MiB, the most warren reads",
            MAX_INPUT_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        Failure::Input(format!(
            "{name}: not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(Input { name, text })
}

pub(crate) fn scenario_error(name: &str, e: &ScenarioError) -> Failure {
    Failure::Input(format!("{name}: {e}"))
}

pub(crate) fn definitions_error(name: &str, e: &DefinitionsError) -> Failure {
    match e.kind {
        warren_core::DefinitionsErrorKind::Refused { .. } => {
            Failure::Refused(format!("{name}: {e}"))
        }
        _ => Failure::Input(format!("{name}: {e}")),
    }
}

/// Whether a document is a scenario (rather than a definitions file).
fn is_scenario(v: &Value) -> bool {
    v.get("steps").is_some()
        || v.get("actors").is_some()
        || v.get("layout").is_some()
        || (v.get("definitions").is_some()
            && v.get("exchanges").is_none()
            && v.get("queues").is_none())
}

/// Parses a scenario.
pub(crate) fn scenario(input: &Input) -> Result<Scenario, Failure> {
    Scenario::from_json_str(&input.text).map_err(|e| scenario_error(&input.name, &e))
}

/// A scenario's broker with its definitions loaded, ready to run steps.
pub(crate) fn scenario_broker(input: &Input, s: &Scenario) -> Result<Broker, Failure> {
    s.broker()
        .map(|(b, _)| b)
        .map_err(|e| definitions_error(&input.name, &e))
}

/// The topology a file describes: a definitions file as it is, a scenario
/// as its broker stands after every step has run.
pub(crate) fn topology(input: &Input) -> Result<(Broker, Definitions), Failure> {
    let v: Value = serde_json::from_str(&input.text).map_err(|e| {
        Failure::Input(format!(
            "{}: line {}, column {}: {e}",
            input.name,
            e.line(),
            e.column()
        ))
    })?;
    if is_scenario(&v) {
        let s = Scenario::from_value(&v).map_err(|e| scenario_error(&input.name, &e))?;
        let mut runner = Runner::new(scenario_broker(input, &s)?);
        for (i, step) in s.steps.iter().enumerate() {
            runner.step(i, step);
        }
        let broker = runner.broker().clone();
        let defs = Definitions::export(&broker);
        Ok((broker, defs))
    } else {
        let defs = Definitions::from_value(&v).map_err(|e| definitions_error(&input.name, &e))?;
        let mut broker = Broker::new();
        defs.apply(&mut broker)
            .map_err(|e| definitions_error(&input.name, &e))?;
        Ok((broker, defs))
    }
}
