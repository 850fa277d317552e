//! `warren export`: the topology as RabbitMQ definitions.json, or the
//! scene as runnable pika scripts (`--format pika`, docs/export.md).

use crate::out::outln;
use std::path::Path;

use crate::args::{ExportArgs, ExportFormat};
use crate::input;
use crate::Failure;

pub(crate) fn export(a: &ExportArgs) -> Result<(), Failure> {
    let input = input::read(&a.file)?;
    let (broker, _) = input::topology(&input)?;
    if a.format == ExportFormat::Pika {
        return pika(a, &input, &broker);
    }
    let defs = warren_scenario::Definitions::export(&broker);
    let text = defs.to_json_string();
    match &a.output {
        Some(path) => std::fs::write(path, format!("{text}\n"))
            .map_err(|e| Failure::Input(format!("{path}: {e}")))?,
        None => outln!("{text}"),
    }
    Ok(())
}

/// The scripts, into the `-o` directory or, one after the other with a
/// `# ==> name <==` line before each, to standard output.
fn pika(a: &ExportArgs, input: &input::Input, broker: &warren_core::Broker) -> Result<(), Failure> {
    let (name, producers, consumers) = match input::scenario_if_any(input)? {
        Some(s) => {
            let (p, c) = s
                .actor_specs()
                .map_err(|e| input::scenario_error(&input.name, &e))?;
            (s.name, p, c)
        }
        None => (String::new(), Vec::new(), Vec::new()),
    };
    let name = if name.is_empty() {
        Path::new(&input.name)
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
    } else {
        name
    };
    let model = warren_export::Model::from_broker(&name, broker, producers, consumers);
    let files = warren_export::pika(&model);
    match &a.output {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Failure::Input(format!("{dir}: {e}")))?;
            for f in &files {
                let path = Path::new(dir).join(&f.name);
                std::fs::write(&path, &f.text)
                    .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
            }
        }
        None => {
            for f in &files {
                outln!("# ==> {} <==\n{}", f.name, f.text);
            }
        }
    }
    Ok(())
}
