//! The lint's badges on the canvas: one per node or binding with a
//! finding standing (not dismissed), at the node's top-right corner or
//! left of the binding's label. A badge is a button that selects what it
//! is on, whose inspector says what is wrong and how to fix it; its name
//! says the same for a screen reader.

use web_sys::{KeyboardEvent, MouseEvent, PointerEvent};
use yew::prelude::*;

use super::edges::EdgeItem;
use super::trunc;
use crate::state::graph::{edge_path, NODE_W};
use crate::state::lint::worst;
use crate::state::{node_name, parse_node_key, Action, Selection, Shown, Target};

/// The badges of `findings`, over the nodes and labels drawn from `items`
/// and `pos` (a node's x, y and height).
pub(super) fn badges(
    findings: &[Shown],
    items: &[EdgeItem],
    pos: impl Fn(&str) -> Option<(f64, f64, f64)>,
    on: &Callback<Action>,
) -> Html {
    let mut targets: Vec<&Target> = Vec::new();
    for f in findings {
        if f.target != Target::Scene && !targets.contains(&&f.target) {
            targets.push(&f.target);
        }
    }
    let out = targets.into_iter().filter_map(|t| {
        let on_it: Vec<&Shown> = findings.iter().filter(|f| f.target == *t).collect();
        let (x, y, select, what, testid) = match t {
            Target::Node(key) => {
                let (x, y, _) = pos(key)?;
                let (kind, name) = parse_node_key(key)?;
                let what = format!("{} {}", kind.prefix(), name);
                (
                    x + NODE_W - 14.0,
                    y - 9.0,
                    Selection::node(kind, name),
                    what,
                    key.clone(),
                )
            }
            Target::Binding(b) => {
                let item = items.iter().find(|i| i.edge.binding.as_ref() == Some(b))?;
                let e = &item.edge;
                let (_, mid) = edge_path(e.kind, item.from, item.to, e.lane);
                let w = 12.0 + 7.0 * trunc(&e.label, 28).chars().count() as f64;
                let what = format!("binding {} to {}", b.source, node_name(&e.to));
                let testid = format!("binding:{}>{}:{}", b.source, b.destination, b.routing_key);
                (
                    mid.0 - w / 2.0 - 21.0,
                    mid.1 - 9.0,
                    Selection::Binding(b.clone()),
                    what,
                    testid,
                )
            }
            Target::Scene => return None,
        };
        Some(badge(&on_it, (x, y), select, &what, &testid, on))
    });
    html! { <g class="lint-badges">{ for out }</g> }
}

/// One badge: `!` and the number of findings, coloured by the worst.
fn badge(
    on_it: &[&Shown],
    (x, y): (f64, f64),
    select: Selection,
    what: &str,
    testid: &str,
    on: &Callback<Action>,
) -> Html {
    let severity = worst(on_it.iter().copied()).unwrap_or("info");
    let n = on_it.len();
    let text = if n == 1 {
        "!".to_owned()
    } else {
        format!("! {n}")
    };
    let w = if n == 1 { 18.0 } else { 30.0 };
    let words: Vec<String> = on_it
        .iter()
        .map(|f| format!("{}: {}", f.severity, f.message))
        .collect();
    let aria = format!(
        "{n} finding{} on {what}: {}. Show in the inspector",
        if n == 1 { "" } else { "s" },
        words.join("; ")
    );
    let pick = {
        let on = on.clone();
        move || on.emit(Action::Select(select.clone()))
    };
    let onclick = {
        let pick = pick.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            pick();
        })
    };
    let onkey = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            e.stop_propagation();
            pick();
        }
    });
    let stop = Callback::from(|e: PointerEvent| e.stop_propagation());
    html! {
        <g class={classes!("lint-badge", format!("lint-{severity}"))}
           transform={format!("translate({x:.1},{y:.1})")} role="button" tabindex="0"
           aria-label={aria} data-testid={format!("lint:{testid}")}
           onclick={onclick} onkeydown={onkey} onpointerdown={stop}>
            <title>{ words.join("\n") }</title>
            <rect width={w.to_string()} height="18" rx="9" />
            <text x={(w / 2.0).to_string()} y="13" text-anchor="middle">{ text }</text>
        </g>
    }
}
