//! `warren export`: the topology as RabbitMQ definitions.json.

use crate::args::ExportArgs;
use crate::input;
use crate::Failure;

pub(crate) fn export(a: &ExportArgs) -> Result<(), Failure> {
    let input = input::read(&a.file)?;
    let (broker, _) = input::topology(&input)?;
    let defs = warren_scenario::Definitions::export(&broker);
    let text = defs.to_json_string();
    match &a.output {
        Some(path) => std::fs::write(path, format!("{text}\n"))
            .map_err(|e| Failure::Input(format!("{path}: {e}")))?,
        None => println!("{text}"),
    }
    Ok(())
}
