//! One node of the canvas, its own component: on a tick only the nodes
//! whose numbers changed render again, not the whole graph.

use web_sys::{Element, KeyboardEvent, PointerEvent};
use yew::prelude::*;

use super::{client, trunc, Gesture};
use crate::components::fields::shown_exchange;
use crate::state::fields::short_count;
use crate::state::graph::{Badge, StreamLog, NODE_W};
use crate::state::{Action, Command, FormId, Node, NodeDetail, Selection};

/// Node props: the node's data and how it is drawn, nothing else, so that
/// an unchanged node is skipped.
#[derive(Properties, PartialEq)]
pub struct NodeViewProps {
    /// What to draw.
    pub node: Node,
    /// Top-left corner, world coordinates.
    pub x: f64,
    /// Top-left corner, world coordinates.
    pub y: f64,
    /// Selected.
    pub selected: bool,
    /// An exchange the routing explanation passed through.
    pub hop: bool,
    /// A queue the routing explanation delivered to.
    pub dest: bool,
    /// A flash class (`flash-ok`...) while the node flashes.
    pub flash: Option<&'static str>,
    /// The canvas, which captures the pointer while a node is dragged.
    pub svg_ref: NodeRef,
    /// Starts a drag.
    pub set_gesture: UseStateSetter<Option<Gesture>>,
    /// Intents.
    pub on: Callback<Action>,
    /// A queue's sparkline of ready messages (`x,y …`), if any.
    #[prop_or_default]
    pub spark: AttrValue,
}

/// One node: a box with its kind's details and buttons.
#[function_component(NodeView)]
pub fn node_view(props: &NodeViewProps) -> Html {
    let n = &props.node;
    let (x, y) = (props.x, props.y);
    let h = n.kind.height();
    let Parts {
        title,
        details,
        buttons,
        aria,
    } = node_body(n, &props.on);
    let class = node_class(props);
    let ondown = drag_start(props);
    let onkey = node_keys(n, &props.on);
    let pressed = if props.selected { "true" } else { "false" };
    // The node is a toggle button labelled by its title, whose name starts
    // with that title and goes on to say what the rest of the node shows.
    // The rest is drawn over the button as its siblings, hidden from
    // assistive technology (the name says it) and letting clicks through to
    // the box; the node's own buttons are siblings too, since a button
    // cannot hold another.
    html! {
        <g transform={format!("translate({x:.1},{y:.1})")}>
            <g class={class} role="button" tabindex="0" aria-label={aria} aria-pressed={pressed}
               data-testid={format!("node:{}", n.key)}
               onpointerdown={ondown.clone()} onkeydown={onkey}>
                <rect class="box" width={NODE_W.to_string()} height={h.to_string()} rx="10" />
                <rect class="band" width="5" height={(h - 16.0).to_string()} x="0" y="8" rx="2" />
                <text class="n-title" x="10" y={title.1.to_string()}>{ title.0 }</text>
            </g>
            <g class="node-details" aria-hidden="true" onpointerdown={ondown}>{ details }</g>
            if !props.spark.is_empty() {
                <polyline class="spark" aria-hidden="true" transform="translate(10,82)" points={props.spark.clone()} />
            }
            { buttons }
        </g>
    }
}

/// The node's classes: its kind, then how it is marked (selected, on the
/// route, flashing, a consumer's state).
fn node_class(props: &NodeViewProps) -> Classes {
    let n = &props.node;
    let mut class = classes!("node", format!("node-{}", n.kind.prefix()));
    if props.selected {
        class.push("selected");
    }
    if props.hop {
        class.push("route-hop");
    }
    if props.dest {
        class.push("route-dest");
    }
    if let Some(f) = props.flash {
        class.push(f);
    }
    if let NodeDetail::Consumer { state, .. } = &n.detail {
        class.push(format!("c-{state}"));
    }
    class
}

/// Starts dragging the node (the canvas moves it and drops it).
fn drag_start(props: &NodeViewProps) -> Callback<PointerEvent> {
    let set_gesture = props.set_gesture.clone();
    let svg_ref = props.svg_ref.clone();
    let key = props.node.key.clone();
    let origin = (props.x, props.y);
    Callback::from(move |e: PointerEvent| {
        if e.button() != 0 {
            return;
        }
        e.stop_propagation();
        if let Some(el) = svg_ref.cast::<Element>() {
            let _ = el.set_pointer_capture(e.pointer_id());
        }
        set_gesture.set(Some(Gesture::Node {
            key: key.clone(),
            start: client(&e),
            origin,
            now: origin,
            moved: false,
        }));
    })
}

/// Arrow keys nudge the node, Enter or Space selects it.
fn node_keys(n: &Node, on: &Callback<Action>) -> Callback<KeyboardEvent> {
    let on = on.clone();
    let key = n.key.clone();
    let kind = n.kind;
    let name = n.name.clone();
    Callback::from(move |e: KeyboardEvent| {
        let step = if e.shift_key() { 50.0 } else { 10.0 };
        let delta = match e.key().as_str() {
            "ArrowLeft" => Some((-step, 0.0)),
            "ArrowRight" => Some((step, 0.0)),
            "ArrowUp" => Some((0.0, -step)),
            "ArrowDown" => Some((0.0, step)),
            "Enter" | " " => {
                e.prevent_default();
                e.stop_propagation();
                on.emit(Action::Select(Selection::node(kind, &name)));
                None
            }
            _ => None,
        };
        if let Some((dx, dy)) = delta {
            e.prevent_default();
            e.stop_propagation();
            on.emit(Action::NudgeNode(key.clone(), dx, dy));
        }
    })
}

fn badges_view(badges: &[Badge], y: f64) -> Html {
    let mut x = 10.0;
    let mut out = Vec::new();
    for b in badges {
        let w = 10.0 + 6.3 * b.text.chars().count() as f64;
        if x + w > NODE_W - 6.0 {
            let more = format!("+{}", badges.len() - out.len());
            out.push(html! {
                <g class="badge b-more tip" transform={format!("translate({x},{y})")}>
                    <title>{ badges.iter().skip(out.len()).map(|b| b.title.clone()).collect::<Vec<_>>().join("; ") }</title>
                    <rect width="24" height="15" rx="4" />
                    <text x="12" y="11" text-anchor="middle">{ more }</text>
                </g>
            });
            break;
        }
        out.push(html! {
            <g class={classes!("badge", b.class, "tip")} transform={format!("translate({x},{y})")}>
                <title>{ b.title.clone() }</title>
                <rect width={w.to_string()} height="15" rx="4" />
                <text x={(w / 2.0).to_string()} y="11" text-anchor="middle">{ b.text.clone() }</text>
            </g>
        });
        x += w + 4.0;
    }
    html! { <>{ for out }</> }
}

/// A small button drawn inside a node.
fn node_button(
    label: &str,
    aria: String,
    testid: String,
    (x, y, w): (f64, f64, f64),
    class: &'static str,
    action: Action,
    on: &Callback<Action>,
) -> Html {
    let click = {
        let on = on.clone();
        let action = action.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on.emit(action.clone());
        })
    };
    let key = {
        let on = on.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                e.stop_propagation();
                on.emit(action.clone());
            }
        })
    };
    let stop = Callback::from(|e: PointerEvent| e.stop_propagation());
    html! {
        <g class={classes!("node-btn", class)} role="button" tabindex="0" aria-label={aria}
           data-testid={testid} transform={format!("translate({x},{y})")}
           onclick={click} onkeydown={key} onpointerdown={stop}>
            <rect width={w.to_string()} height="20" rx="5" />
            <text x={(w / 2.0).to_string()} y="14" text-anchor="middle">{ label.to_owned() }</text>
        </g>
    }
}

/// The last error, as a mark at the node's right edge (the text on hover).
fn error_mark(error: Option<&str>, y: f64, mark: &'static str) -> Html {
    let Some(error) = error else {
        return Html::default();
    };
    html! {
        <text class="n-bad tip" x={(NODE_W - 10.0).to_string()} y={y.to_string()} text-anchor="end">
            <title>{ error.to_owned() }</title>{ mark }
        </text>
    }
}

/// What a node draws, in the parts [`node_view`] places.
struct Parts {
    /// The visible title and its baseline.
    title: (String, f64),
    /// Everything else it shows.
    details: Html,
    /// Its buttons.
    buttons: Html,
    /// Its accessible name: the title, then what the details show.
    aria: String,
}

/// Hands a node's details to its kind's own function.
fn node_body(n: &Node, on: &Callback<Action>) -> Parts {
    match &n.detail {
        NodeDetail::Producer {
            button,
            exchange,
            keys,
            rate,
            sent,
            trouble,
            error,
        } => producer_parts(
            n,
            on,
            button,
            exchange,
            keys,
            *rate,
            *sent,
            *trouble,
            error.as_deref(),
        ),
        NodeDetail::Exchange { kind, badges } => exchange_parts(n, kind, badges),
        NodeDetail::Queue {
            ready,
            unacked,
            consumers,
            fill,
            badges,
            log,
        } => match log {
            Some(log) => stream_parts(n, log, *unacked, *consumers, badges),
            None => queue_parts(n, *ready, *unacked, *consumers, *fill, badges),
        },
        NodeDetail::Consumer {
            queue,
            state,
            prefetch,
            in_flight,
            acked,
            nacked,
            policy,
            error,
        } => consumer_parts(
            n,
            on,
            queue,
            state,
            *prefetch,
            *in_flight,
            *acked,
            *nacked,
            policy,
            error.as_deref(),
        ),
    }
}

/// A producer: where it publishes, its rate and counts, and its publish
/// button, labelled with the scene's verb.
#[allow(clippy::too_many_arguments)] // one per field of `NodeDetail::Producer`
fn producer_parts(
    n: &Node,
    on: &Callback<Action>,
    button: &str,
    exchange: &str,
    keys: &[String],
    rate: Option<f64>,
    sent: u64,
    trouble: u64,
    error: Option<&str>,
) -> Parts {
    let h = n.kind.height();
    let target = shown_exchange(exchange);
    let rate_text = match rate {
        Some(r) => format!("{r}/s"),
        None => "on demand".to_owned(),
    };
    // The scene's verb ("Place order") when it names one.
    let verb = if button.is_empty() { "Publish" } else { button };
    let button_text = format!("▶ {}", trunc(verb, 24));
    let button_aria = if button.is_empty() {
        format!("Publish from {} now", n.name)
    } else {
        format!("{verb}: publish from {} now", n.name)
    };
    // About 7 px a character at the button's font size, within the node.
    let button_w = (20.0 + 7.0 * button_text.chars().count() as f64).clamp(84.0, NODE_W - 20.0);
    let aria = format!(
        "{}, producer: publishes to {target} with {}; {rate_text}; {sent} sent{}",
        n.name,
        keys.join(", "),
        error
            .map(|e| format!("; last error {e}"))
            .unwrap_or_default()
    );
    let body = html! {
        <>
            <text class="n-kind" x={(NODE_W - 10.0).to_string()} y="20" text-anchor="end">{ "producer" }</text>
            <text class="n-line" x="10" y="39">{ trunc(&format!("→ {target} · {}", keys.join(", ")), 30) }</text>
            <text class="n-line" x="10" y="56">
                { format!("{rate_text} · sent {}", short_count(sent)) }
                if trouble > 0 { <tspan class="n-bad">{ format!(" · {} failed", short_count(trouble)) }</tspan> }
            </text>
            { error_mark(error, h - 13.0, "⚠ error") }
        </>
    };
    let buttons = node_button(
        &button_text,
        button_aria,
        format!("publish:{}", n.name),
        (10.0, h - 28.0, button_w),
        "btn-go",
        Action::Submit(FormId::Controls, Command::PublishFrom(n.name.clone())),
        on,
    );
    Parts {
        title: (trunc(&n.name, 22), 20.0),
        details: body,
        buttons,
        aria,
    }
}

/// An exchange: its type and its badges.
fn exchange_parts(n: &Node, kind: &str, badges: &[Badge]) -> Parts {
    let h = n.kind.height();
    let aria = format!("{}, {kind} exchange{}", n.label(), badge_text(badges));
    let body = html! {
        <>
            <g class={classes!("xtype", format!("xt-{kind}"))} transform={format!("translate({},{})", NODE_W - 64.0, 8.0)}>
                <rect width="56" height="18" rx="9" />
                <text x="28" y="13" text-anchor="middle">{ kind.to_owned() }</text>
            </g>
            <text class="n-kind" x="10" y="40">{ "exchange" }</text>
            { badges_view(badges, h - 22.0) }
        </>
    };
    Parts {
        title: (trunc(&n.label(), 20), 22.0),
        details: body,
        buttons: Html::default(),
        aria,
    }
}

/// A queue: its counts and depth bar, and its badges.
fn queue_parts(
    n: &Node,
    ready: u64,
    unacked: u64,
    consumers: usize,
    fill: f64,
    badges: &[Badge],
) -> Parts {
    let h = n.kind.height();
    let aria = format!(
        "{}, queue: {ready} ready, {unacked} unacked, {consumers} consumer(s){}",
        n.name,
        badge_text(badges)
    );
    let bar_w = NODE_W - 20.0;
    let body = html! {
        <>
            { store_head(n, "queue", ("ready", ready, " ready · "), unacked, consumers) }
            <rect class="depth-bg" x="10" y="47" width={bar_w.to_string()} height="8" rx="4" />
            <rect class={classes!("depth", (fill >= 0.999).then_some("depth-full"))} x="10" y="47"
                  width={(bar_w * fill).max(if ready > 0 { 4.0 } else { 0.0 }).to_string()} height="8" rx="4" />
            { badges_view(badges, h - 30.0) }
        </>
    };
    Parts {
        title: (trunc(&n.name, 22), 20.0),
        details: body,
        buttons: Html::default(),
        aria,
    }
}

/// The head of a queue's or a stream's node: its kind, then its count
/// line, led by what it holds (`(test id prefix, count, label)`: ready
/// messages, or the log's length).
fn store_head(
    n: &Node,
    kind: &'static str,
    (id, held, label): (&'static str, u64, &'static str),
    unacked: u64,
    consumers: usize,
) -> Html {
    html! {
        <>
            <text class="n-kind" x={(NODE_W - 10.0).to_string()} y="20" text-anchor="end">{ kind }</text>
            <text class="n-line" x="10" y="39">
                <tspan class="n-num" data-testid={format!("{id}:{}", n.name)}>{ short_count(held) }</tspan>{ label }
                <tspan class="n-num" data-testid={format!("unacked:{}", n.name)}>{ short_count(unacked) }</tspan>{ " unacked" }
                <tspan class="n-dim">{ format!(" · {consumers}c") }</tspan>
            </text>
        </>
    }
}

/// The badges' titles as the end of a node's accessible name.
fn badge_text(badges: &[Badge]) -> String {
    badges.iter().map(|b| format!("; {}", b.title)).collect()
}

/// How many of a stream's last offsets its node draws.
const LOG_CELLS: u64 = 12;

/// A stream: its log's last offsets as cells, and a mark under the offset
/// each consumer reads next (past the last cell when it has read all).
fn stream_parts(
    n: &Node,
    log: &StreamLog,
    unacked: u64,
    consumers: usize,
    badges: &[Badge],
) -> Parts {
    let h = n.kind.height();
    let window = log.window(LOG_CELLS);
    // One slot more than the cells: where a reader that has read
    // everything waits.
    let cell_w = (NODE_W - 20.0) / (LOG_CELLS + 1) as f64;
    let x_of = |offset: u64| {
        let slot = offset.clamp(window.start, window.end) - window.start;
        10.0 + cell_w * slot as f64
    };
    let readers_text: String = log
        .readers
        .iter()
        .map(|(tag, o)| format!("; {tag} reads offset {o}"))
        .collect();
    let aria = format!(
        "{}, stream: {} in the log, {unacked} unacked, {consumers} consumer(s){readers_text}{}",
        n.name,
        log.length,
        badge_text(badges)
    );
    let cells = window.clone().map(|o| {
        html! {
            <rect class="log-cell" x={(x_of(o) + 0.5).to_string()} y="47" width={(cell_w - 1.0).to_string()} height="8" rx="1">
                <title>{ format!("offset {o}") }</title>
            </rect>
        }
    });
    // One mark per position, naming every reader there (readers that have
    // read everything share the slot after the last cell).
    let mut slots: Vec<(f64, Vec<String>)> = Vec::new();
    for (tag, o) in &log.readers {
        let x = x_of(*o) + cell_w / 2.0;
        let behind = if *o < window.start {
            " (further back)"
        } else {
            ""
        };
        let line = format!("{tag}: next offset {o}{behind}");
        match slots.iter_mut().find(|(sx, _)| (*sx - x).abs() < 0.5) {
            Some((_, lines)) => lines.push(line),
            None => slots.push((x, vec![line])),
        }
    }
    let marks = slots.into_iter().map(|(x, lines)| {
        let n = lines.len();
        html! {
            <g class="log-reader">
                <title>{ lines.join("\n") }</title>
                <path d={format!("M{x:.1} 57 l-3.5 6 h7 z")} />
                if n > 1 { <text class="log-readers" x={format!("{:.1}", x + 5.0)} y="63">{ n }</text> }
            </g>
        }
    });
    let body = html! {
        <>
            { store_head(n, "stream", ("log", log.length, " in log · "), unacked, consumers) }
            { for cells }
            { for marks }
            { badges_view(badges, h - 30.0) }
        </>
    };
    Parts {
        title: (trunc(&n.name, 22), 20.0),
        details: body,
        buttons: Html::default(),
        aria,
    }
}

/// A consumer: its state, prefetch and counts, and its start/stop and
/// kill buttons.
#[allow(clippy::too_many_arguments)] // one per field of `NodeDetail::Consumer`
fn consumer_parts(
    n: &Node,
    on: &Callback<Action>,
    queue: &str,
    state: &'static str,
    prefetch: u16,
    in_flight: usize,
    acked: u64,
    nacked: u64,
    policy: &str,
    error: Option<&str>,
) -> Parts {
    let h = n.kind.height();
    let aria = format!(
        "{}, consumer of {queue}: {state}, prefetch {prefetch}, {in_flight} in flight, {acked} acked{}",
        n.name,
        error.map(|e| format!("; last error {e}")).unwrap_or_default()
    );
    let running = state == "running";
    let (label, verb, id, class, command) = if running {
        let c = Command::StopConsumer(n.name.clone());
        ("■ Stop", "Stop", "stop", "btn-stop", c)
    } else {
        let c = Command::StartConsumer(n.name.clone());
        ("▶ Start", "Start", "start", "btn-go", c)
    };
    let toggle = node_button(
        label,
        format!("{verb} consumer {}", n.name),
        format!("{id}:{}", n.name),
        (10.0, h - 26.0, 62.0),
        class,
        Action::Submit(FormId::Controls, command),
        on,
    );
    let body = html! {
        <>
            <g class={classes!("state", format!("st-{state}"))} transform={format!("translate({},{})", NODE_W - 74.0, 7.0)}>
                <rect width="66" height="18" rx="9" />
                <text x="33" y="13" text-anchor="middle" data-testid={format!("state:{}", n.name)}>{ state }</text>
            </g>
            <text class="n-line" x="10" y="38">
                { format!("prefetch {} · ", if prefetch == 0 { "∞".to_owned() } else { prefetch.to_string() }) }
                <tspan class="n-num" data-testid={format!("inflight:{}", n.name)}>{ in_flight.to_string() }</tspan>{ " in flight" }
            </text>
            <text class="n-line" x="10" y="54">
                <tspan class="n-num" data-testid={format!("acked:{}", n.name)}>{ short_count(acked) }</tspan>{ " acked" }
                if nacked > 0 { <tspan>{ format!(" · {} rejected", short_count(nacked)) }</tspan> }
            </text>
            <text class="n-line n-dim tip" x="10" y="70"><title>{ policy.to_owned() }</title>{ trunc(policy, 27) }</text>
            { error_mark(error, h - 12.0, "⚠") }
        </>
    };
    let buttons = html! {
        <>
            { toggle }
            { node_button("✕ Kill", format!("Kill consumer {} (its unacked messages are requeued)", n.name),
                format!("kill:{}", n.name), (78.0, h - 26.0, 58.0), "btn-kill",
                Action::Submit(FormId::Controls, Command::KillConsumer(n.name.clone())), on) }
        </>
    };
    Parts {
        title: (trunc(&n.name, 15), 20.0),
        details: body,
        buttons,
        aria,
    }
}
