//! `warren route`: where a message would go and why, hop by hop.

use crate::out::{out, outln};
use std::fmt::Write as _;

use warren_core::{FieldTable, HopVia};

use crate::args::RouteArgs;
use crate::input;
use crate::Failure;

pub(crate) fn route(a: &RouteArgs) -> Result<(), Failure> {
    let input = input::read(&a.file)?;
    let (broker, _) = input::topology(&input)?;
    let headers = FieldTable(a.headers.clone());
    let why = broker.explain_route(&a.exchange, &a.routing_key, &headers);
    if a.json {
        outln!("{}", serde_json::to_string_pretty(&why).unwrap_or_default());
        return Ok(());
    }
    let mut out = String::new();
    let name = |x: &str| {
        if x.is_empty() {
            "(default exchange)".to_owned()
        } else {
            format!("exchange {x:?}")
        }
    };
    let _ = writeln!(
        out,
        "Publishing to {} with routing key {:?}",
        name(&a.exchange),
        a.routing_key
    );
    if let Some(e) = &why.error {
        let _ = writeln!(out, "  refused: {e}");
        out!("{out}");
        return Ok(());
    }
    for hop in &why.hops {
        let via = match &hop.via {
            HopVia::Published => String::new(),
            HopVia::Binding { from } => format!(" (via a binding from {})", name(from)),
            HopVia::Alternate { from } => format!(" (alternate exchange of {})", name(from)),
        };
        let _ = writeln!(
            out,
            "\n{} [{}]{via}",
            name(&hop.exchange),
            hop.exchange_type
        );
        if hop.bindings.is_empty() {
            let _ = writeln!(out, "  no bindings");
        }
        for b in &hop.bindings {
            let mark = if b.matched { "✓" } else { "✗" };
            let kind = if b.to_exchange { "exchange" } else { "queue" };
            let _ = writeln!(out, "  {mark} {kind} {}: {}", b.destination, b.reason);
        }
        if let Some(ae) = &hop.alternate {
            let _ = writeln!(out, "  {ae}");
        }
    }
    if why.queues.is_empty() {
        let _ = writeln!(
            out,
            "\nReaches no queue: unroutable (returned if mandatory, else dropped)."
        );
    } else {
        let _ = writeln!(
            out,
            "\nReaches {} queue(s), one copy each: {}",
            why.queues.len(),
            why.queues.join(", ")
        );
    }
    out!("{out}");
    Ok(())
}
