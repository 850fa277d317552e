//! Reading input files (or standard input) and loading the topology they hold.

use std::io::Read;

use serde_json::Value;
use warren_core::{Broker, ConsumerSpec, ProducerSpec};
use warren_scenario::{Definitions, DefinitionsError, Runner, Scenario, ScenarioError};

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
        warren_scenario::DefinitionsErrorKind::Refused { .. } => {
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
    if let Ok(v) = serde_json::from_str::<Value>(&input.text) {
        if !is_scenario(&v)
            && (v.get("exchanges").is_some()
                || v.get("queues").is_some()
                || v.get("bindings").is_some())
        {
            return Err(Failure::Input(format!(
                "{}: this is a definitions file, not a scenario; `warren run` needs a scenario \
                 (put the definitions under \"definitions\" and add \"steps\"), while \
                 route, check and export take definitions files as they are",
                input.name
            )));
        }
    }
    Scenario::from_json_str(&input.text).map_err(|e| scenario_error(&input.name, &e))
}

/// The scenario a file holds, or `None` for a definitions file.
pub(crate) fn scenario_if_any(input: &Input) -> Result<Option<Scenario>, Failure> {
    let v = json(input)?;
    if !is_scenario(&v) {
        return Ok(None);
    }
    Scenario::from_value(&v)
        .map(Some)
        .map_err(|e| scenario_error(&input.name, &e))
}

/// The simulated producers and consumers of a scenario that has some;
/// `None` for a definitions file or a scenario without actors (whose
/// clients, if any, are its steps), as the playground decides for a scene.
pub(crate) fn actors(input: &Input) -> Result<Option<Actors>, Failure> {
    let Some(s) = scenario_if_any(input)? else {
        return Ok(None);
    };
    let (producers, consumers) = s
        .actor_specs()
        .map_err(|e| scenario_error(&input.name, &e))?;
    Ok((!producers.is_empty() || !consumers.is_empty()).then_some((producers, consumers)))
}

/// A scenario's simulated producers and consumers.
pub(crate) type Actors = (Vec<ProducerSpec>, Vec<ConsumerSpec>);

/// A scenario's broker with its definitions loaded, ready to run steps.
pub(crate) fn scenario_broker(input: &Input, s: &Scenario) -> Result<Broker, Failure> {
    s.broker()
        .map(|(b, _)| b)
        .map_err(|e| definitions_error(&input.name, &e))
}

fn json(input: &Input) -> Result<Value, Failure> {
    serde_json::from_str(&input.text).map_err(|e| {
        Failure::Input(format!(
            "{}: line {}, column {}: {e}",
            input.name,
            e.line(),
            e.column()
        ))
    })
}

/// A runner for the scenario: definitions loaded, actors added.
pub(crate) fn runner(input: &Input, s: &Scenario) -> Result<Runner, Failure> {
    let mut runner = Runner::new(scenario_broker(input, s)?);
    runner
        .add_actors(s)
        .map_err(|e| scenario_error(&input.name, &e))?;
    Ok(runner)
}

/// The definitions a file describes, without loading them into a broker
/// (so that `check` can report what a broker would refuse): a definitions
/// file as written, a scenario as its broker stands after every step.
pub(crate) fn definitions(input: &Input) -> Result<Definitions, Failure> {
    let v = json(input)?;
    if is_scenario(&v) {
        topology(input).map(|(_, d)| d)
    } else {
        Definitions::from_value(&v).map_err(|e| definitions_error(&input.name, &e))
    }
}

/// The topology a file describes, loaded into a broker: a definitions file
/// as it is, a scenario as its broker stands after every step has run.
pub(crate) fn topology(input: &Input) -> Result<(Broker, Definitions), Failure> {
    let v = json(input)?;
    if is_scenario(&v) {
        let s = Scenario::from_value(&v).map_err(|e| scenario_error(&input.name, &e))?;
        let mut runner = runner(input, &s)?;
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
