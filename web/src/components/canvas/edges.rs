//! The canvas's edges, drawn by two components of their own (the paths
//! under the nodes, the labels over them): on a tick nothing here changes,
//! so neither renders again.

use std::rc::Rc;

use warren_core::RouteExplanation;
use web_sys::{KeyboardEvent, MouseEvent, PointerEvent};
use yew::prelude::*;

use super::trunc;
use crate::state::graph::edge_path;
use crate::state::{node_key, node_name, Action, BindingSpec, Edge, EdgeKind, NodeKind, Selection};

/// An edge and where its ends are.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeItem {
    /// The edge.
    pub edge: Edge,
    /// Its source node: x, y, height.
    pub from: (f64, f64, f64),
    /// Its target node: x, y, height.
    pub to: (f64, f64, f64),
    /// A consume edge whose consumer is not running.
    pub idle: bool,
}

/// Edge layer props.
#[derive(Properties, PartialEq)]
pub struct EdgeLayerProps {
    /// The edges to draw.
    pub items: Rc<Vec<EdgeItem>>,
    /// The routing explanation to light up.
    pub route: Option<Rc<RouteExplanation>>,
    /// The selected binding.
    pub selected: Option<BindingSpec>,
    /// Draw the labels (else the paths).
    pub labels: bool,
    /// Intents.
    pub on: Callback<Action>,
}

/// How routing lights up bindings and nodes.
#[derive(Default)]
pub(super) struct RouteMarks {
    pub(super) hit: Vec<(String, String, String)>,
    pub(super) miss: Vec<(String, String, String)>,
    pub(super) hops: Vec<String>,
    pub(super) dests: Vec<String>,
}

pub(super) fn route_marks(route: Option<&RouteExplanation>) -> RouteMarks {
    let mut m = RouteMarks::default();
    let Some(r) = route else { return m };
    for hop in &r.hops {
        m.hops.push(node_key(NodeKind::Exchange, &hop.exchange));
        for b in &hop.bindings {
            let dest = node_key(NodeKind::destination(b.to_exchange), &b.destination);
            let k = (hop.exchange.clone(), dest, b.routing_key.clone());
            if b.matched {
                m.hit.push(k);
            } else {
                m.miss.push(k);
            }
        }
    }
    for q in &r.queues {
        m.dests.push(node_key(NodeKind::Queue, q));
    }
    m
}

fn binding_route_key(b: &BindingSpec) -> (String, String, String) {
    let dest = node_key(NodeKind::destination(b.to_exchange), &b.destination);
    (b.source.clone(), dest, b.routing_key.clone())
}

/// The edges' paths, or their labels.
#[function_component(EdgeLayer)]
pub fn edge_layer(props: &EdgeLayerProps) -> Html {
    let marks = route_marks(props.route.as_deref());
    let mut out = Vec::new();
    for item in props.items.iter() {
        let e = &item.edge;
        let (d, mid) = edge_path(e.kind, item.from, item.to, e.lane);
        let class = edge_class(item, &marks, props.selected.as_ref());
        if !props.labels {
            let marker = format!("url(#arrow-{})", e.kind.class());
            out.push(html! {
                <path key={e.key.clone()} class={class} d={d} marker-end={marker} />
            });
        } else if !e.label.is_empty() {
            out.push(edge_label(e, &class, mid, &props.on));
        }
    }
    html! { <>{ for out }</> }
}

/// An edge's classes: its kind, then whether routing took it or passed
/// it by, whether it is the selected binding, whether it is idle.
fn edge_class(item: &EdgeItem, marks: &RouteMarks, selected: Option<&BindingSpec>) -> Classes {
    let e = &item.edge;
    let mut class = classes!("edge", e.kind.class());
    if let Some(bs) = &e.binding {
        let rk = binding_route_key(bs);
        if marks.hit.contains(&rk) {
            class.push("route-hit");
        } else if marks.miss.contains(&rk) {
            class.push("route-miss");
        }
        if selected == Some(bs) {
            class.push("selected");
        }
    }
    if item.idle {
        class.push("idle");
    }
    if e.kind == EdgeKind::Implicit {
        let key = (String::new(), e.to.clone(), node_name(&e.to).to_owned());
        if marks.hit.contains(&key) {
            class.push("route-hit");
        }
    }
    class
}

/// An edge's label at `mid`, marked as its path is (`class`); a binding's
/// label is a button that selects it.
fn edge_label(e: &Edge, class: &Classes, mid: (f64, f64), on: &Callback<Action>) -> Html {
    let aria = label_aria(e);
    let text = trunc(&e.label, 28);
    let w = 12.0 + 7.0 * text.chars().count() as f64;
    let select = e.binding.clone().map(Selection::Binding);
    let onclick = {
        let on = on.clone();
        let select = select.clone();
        Callback::from(move |ev: MouseEvent| {
            ev.stop_propagation();
            if let Some(s) = select.clone() {
                on.emit(Action::Select(s));
            }
        })
    };
    let onkey = {
        let on = on.clone();
        let select = select.clone();
        Callback::from(move |ev: KeyboardEvent| {
            if ev.key() == "Enter" || ev.key() == " " {
                ev.prevent_default();
                ev.stop_propagation();
                if let Some(s) = select.clone() {
                    on.emit(Action::Select(s));
                }
            }
        })
    };
    let stop = Callback::from(|ev: PointerEvent| ev.stop_propagation());
    let testid = e
        .binding
        .as_ref()
        .map(|b| format!("binding:{}>{}:{}", b.source, b.destination, b.routing_key));
    let focusable = e.binding.is_some();
    let mut label_class = classes!("edge-label", e.kind.class());
    for c in ["route-hit", "route-miss", "selected"] {
        if class.contains(c) {
            label_class.push(c);
        }
    }
    html! {
        <g key={format!("l-{}", e.key)} class={label_class}
           transform={format!("translate({:.1},{:.1})", mid.0 - w / 2.0, mid.1 - 9.0)}
           role={focusable.then_some("button")} tabindex={focusable.then_some("0")}
           aria-label={aria} data-testid={testid}
           onclick={onclick} onkeydown={onkey} onpointerdown={stop}>
            <title>{ e.label.clone() }</title>
            <rect width={w.to_string()} height="18" rx="5" />
            <text x={(w / 2.0).to_string()} y="13" text-anchor="middle">{ text }</text>
        </g>
    }
}

/// What a screen reader says for an edge's label.
fn label_aria(e: &Edge) -> String {
    if let Some(bs) = &e.binding {
        return format!(
            "Binding from {} to {} {}: {}",
            bs.source,
            if bs.to_exchange { "exchange" } else { "queue" },
            bs.destination,
            e.label
        );
    }
    match e.kind {
        EdgeKind::Publish => format!("{} publishes to {}", node_name(&e.from), node_name(&e.to)),
        EdgeKind::Consume => format!("{} consumes from {}", node_name(&e.to), node_name(&e.from)),
        EdgeKind::DeadLetter => {
            format!(
                "{} dead-letters to {}",
                node_name(&e.from),
                node_name(&e.to)
            )
        }
        EdgeKind::Alternate => format!(
            "{} falls back to alternate exchange {}",
            node_name(&e.from),
            node_name(&e.to)
        ),
        EdgeKind::Implicit => format!(
            "the default exchange routes key {} to the queue of that name",
            node_name(&e.to)
        ),
        EdgeKind::Binding => String::new(),
    }
}
