//! Scenes: scenario files (`docs/scenario.md`) the playground starts from,
//! built in or restored, and the current scene written back as one, so
//! that what a person builds survives a reload and runs in `warren run`.

use serde_json::{json, Map, Value};
use warren_core::{Definitions, Scenario};

use super::graph::Layout;
use super::world::{ActorSpec, World};

/// A scene shipped with the playground.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltIn {
    /// Identifier (`order-flow`).
    pub id: &'static str,
    /// Menu label.
    pub label: &'static str,
    /// The scenario file.
    pub json: &'static str,
}

/// Scenes in the menu; the first is the default.
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        id: "order-flow",
        label: "Order flow (the tutorial)",
        json: include_str!("../../scenes/order-flow.json"),
    },
    BuiltIn {
        id: "topic-logs",
        label: "Topic routing: logs by severity",
        json: include_str!("../../scenes/topic-logs.json"),
    },
    BuiltIn {
        id: "dead-letters",
        label: "Dead letters, TTL and an alternate exchange",
        json: include_str!("../../scenes/dead-letters.json"),
    },
];

/// The default scene.
pub fn default_scene() -> Scenario {
    built_in(BUILT_IN[0].id).unwrap_or_else(|| Scenario {
        name: "empty".into(),
        description: String::new(),
        definitions: None,
        steps: Vec::new(),
        actors: None,
        layout: None,
    })
}

/// A built-in scene by id.
pub fn built_in(id: &str) -> Option<Scenario> {
    let b = BUILT_IN.iter().find(|b| b.id == id)?;
    Scenario::from_json_str(b.json).ok()
}

/// Reads a scene.
///
/// # Errors
/// The scenario parser's message (with its line and column or JSON path).
pub fn parse(text: &str) -> Result<Scenario, String> {
    Scenario::from_json_str(text).map_err(|e| e.to_string())
}

/// The `layout` object of a scenario, as positions.
pub fn layout_of(s: &Scenario) -> Layout {
    let mut out = Layout::new();
    if let Some(Value::Object(m)) = &s.layout {
        for (k, v) in m {
            if let Some([x, y]) = v.as_array().map(Vec::as_slice) {
                if let (Some(x), Some(y)) = (x.as_f64(), y.as_f64()) {
                    out.insert(k.clone(), (x, y));
                }
            }
        }
    }
    out
}

/// The current scene as a scenario: the broker's topology as definitions
/// (RabbitMQ's export), the actors' specs, and where the nodes sit. No
/// steps: it starts from what exists now.
pub fn export(start: &Scenario, world: &World, layout: &Layout) -> Scenario {
    let defs = Definitions::export(world.broker()).to_value();
    let mut producers = Vec::new();
    let mut consumers = Vec::new();
    for s in world.specs() {
        match s {
            ActorSpec::Producer(p) => {
                producers.push(serde_json::to_value(p).unwrap_or(Value::Null))
            }
            ActorSpec::Consumer(c) => {
                consumers.push(serde_json::to_value(c).unwrap_or(Value::Null))
            }
        }
    }
    let nodes: Vec<&str> = world
        .view()
        .topology
        .nodes
        .iter()
        .map(|n| n.key.as_str())
        .collect();
    let mut positions = Map::new();
    for (k, (x, y)) in layout {
        if nodes.contains(&k.as_str()) {
            positions.insert(k.clone(), json!([x.round(), y.round()]));
        }
    }
    Scenario {
        name: start.name.clone(),
        description: start.description.clone(),
        definitions: Some(defs),
        steps: Vec::new(),
        actors: Some(json!({ "producers": producers, "consumers": consumers })),
        layout: Some(Value::Object(positions)),
    }
}

/// A scenario as pretty JSON text.
pub fn to_text(s: &Scenario) -> String {
    serde_json::to_string_pretty(&s.to_value()).unwrap_or_default()
}
