//! `warren check`: lint a topology.

use crate::out::{out, outln};
use std::fmt::Write as _;

use warren_scenario::lint::{self, Severity};

use crate::args::CheckArgs;
use crate::input;
use crate::Failure;

pub(crate) fn check(a: &CheckArgs) -> Result<(), Failure> {
    let input = input::read(&a.file)?;
    let defs = input::definitions(&input)?;
    let findings = match input::actors(&input)? {
        // A scenario's actors say who publishes and consumes; the
        // playground lints its scene the same way.
        Some((producers, consumers)) => lint::check_with(
            &defs,
            Some(&lint::Clients {
                producers: &producers,
                consumers: &consumers,
            }),
        ),
        None => lint::check(&defs),
    };
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if a.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&findings).unwrap_or_default()
        );
    } else {
        let mut out = String::new();
        for f in &findings {
            let _ = writeln!(
                out,
                "{}: {} [{}] {}: {}",
                input.name,
                f.severity.as_str(),
                f.code,
                f.path,
                f.message
            );
        }
        let warnings = findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        let _ = writeln!(
            out,
            "{}: {errors} error(s), {warnings} warning(s), {} note(s)",
            input.name,
            findings.len() - errors - warnings
        );
        out!("{out}");
    }
    if errors > 0 {
        Err(Failure::Findings)
    } else {
        Ok(())
    }
}
