//! The canvas: the topology as an SVG graph. Nodes can be dragged (or moved
//! with the arrow keys), the background pans, the wheel zooms; messages
//! fly along edges; the routing explanation lights bindings up.

use std::rc::Rc;

use warren_core::RouteExplanation;
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent, PointerEvent, WheelEvent};
use yew::prelude::*;

use crate::state::fields::short_count;
use crate::state::graph::{edge_path, Badge, NODE_W};
use crate::state::{
    Action, Anim, BindingSpec, EdgeKind, FlightKind, Layout, Node, NodeDetail, Selection, Viewport,
    WorldView, ZOOM,
};

/// Canvas props.
#[derive(Properties, PartialEq)]
pub struct CanvasProps {
    /// What to draw.
    pub view: Rc<WorldView>,
    /// Where nodes sit.
    pub layout: Rc<Layout>,
    /// The selection (highlighted).
    pub selection: Selection,
    /// The routing explanation to light up.
    pub route: Option<Rc<RouteExplanation>>,
    /// Messages in the air.
    pub anim: Anim,
    /// Pan and zoom.
    pub viewport: Viewport,
    /// Fit the scene into view whenever this changes.
    pub fit_request: u64,
    /// Intents.
    pub on: Callback<Action>,
}

/// A gesture in progress.
#[derive(Clone, Debug, PartialEq)]
enum Gesture {
    /// Dragging a node: its key, where the pointer went down (screen),
    /// where the node was, whether it moved yet.
    Node {
        key: String,
        start: (f64, f64),
        origin: (f64, f64),
        now: (f64, f64),
        moved: bool,
    },
    /// Panning: where the pointer went down, the viewport then, the offset.
    Pan {
        start: (f64, f64),
        origin: Viewport,
        now: Viewport,
    },
}

fn trunc(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!(
            "{}…",
            s.chars().take(n.saturating_sub(1)).collect::<String>()
        )
    }
}

fn size_of(el: &Element) -> (f64, f64) {
    let r = el.get_bounding_client_rect();
    (r.width(), r.height())
}

/// How routing lights up bindings and nodes.
#[derive(Default)]
struct RouteMarks {
    hit: Vec<(String, String, String)>,
    miss: Vec<(String, String, String)>,
    hops: Vec<String>,
    dests: Vec<String>,
}

fn route_marks(route: Option<&RouteExplanation>) -> RouteMarks {
    let mut m = RouteMarks::default();
    let Some(r) = route else { return m };
    for hop in &r.hops {
        m.hops.push(format!("exchange:{}", hop.exchange));
        for b in &hop.bindings {
            let dest = if b.to_exchange {
                format!("exchange:{}", b.destination)
            } else {
                format!("queue:{}", b.destination)
            };
            let k = (hop.exchange.clone(), dest, b.routing_key.clone());
            if b.matched {
                m.hit.push(k);
            } else {
                m.miss.push(k);
            }
        }
    }
    for q in &r.queues {
        m.dests.push(format!("queue:{q}"));
    }
    m
}

fn binding_route_key(b: &BindingSpec) -> (String, String, String) {
    let dest = if b.to_exchange {
        format!("exchange:{}", b.destination)
    } else {
        format!("queue:{}", b.destination)
    };
    (b.source.clone(), dest, b.routing_key.clone())
}

fn badges_view(badges: &[Badge], y: f64) -> Html {
    let mut x = 10.0;
    let mut out = Vec::new();
    for b in badges {
        let w = 10.0 + 6.3 * b.text.chars().count() as f64;
        if x + w > NODE_W - 6.0 {
            let more = format!("+{}", badges.len() - out.len());
            out.push(html! {
                <g class="badge b-more" transform={format!("translate({x},{y})")}>
                    <title>{ badges.iter().skip(out.len()).map(|b| b.title.clone()).collect::<Vec<_>>().join("; ") }</title>
                    <rect width="24" height="15" rx="4" />
                    <text x="12" y="11" text-anchor="middle">{ more }</text>
                </g>
            });
            break;
        }
        out.push(html! {
            <g class={classes!("badge", b.class)} transform={format!("translate({x},{y})")}>
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

fn node_body(n: &Node, on: &Callback<Action>) -> (Html, String) {
    let h = n.kind.height();
    match &n.detail {
        NodeDetail::Producer {
            button,
            exchange,
            keys,
            rate,
            sent,
            trouble,
            error,
        } => {
            let target = if exchange.is_empty() {
                "(default)".to_owned()
            } else {
                exchange.clone()
            };
            let rate_text = match rate {
                Some(r) => format!("{r}/s"),
                None => "on demand".to_owned(),
            };
            // The scene's verb ("Place order") when it names one.
            let verb = if button.is_empty() {
                "Publish"
            } else {
                button.as_str()
            };
            let button_text = format!("▶ {}", trunc(verb, 24));
            let button_aria = if button.is_empty() {
                format!("Publish from {} now", n.name)
            } else {
                format!("{verb}: publish from {} now", n.name)
            };
            // About 7 px a character at the button's font size, within the node.
            let button_w =
                (20.0 + 7.0 * button_text.chars().count() as f64).clamp(84.0, NODE_W - 20.0);
            let aria = format!(
                "Producer {}: publishes to {target} with {}; {rate_text}; {sent} sent{}",
                n.name,
                keys.join(", "),
                error
                    .as_ref()
                    .map(|e| format!("; last error {e}"))
                    .unwrap_or_default()
            );
            let body = html! {
                <>
                    <text class="n-title" x="10" y="20">{ trunc(&n.name, 22) }</text>
                    <text class="n-kind" x={(NODE_W - 10.0).to_string()} y="20" text-anchor="end">{ "producer" }</text>
                    <text class="n-line" x="10" y="39">{ trunc(&format!("→ {target} · {}", keys.join(", ")), 30) }</text>
                    <text class="n-line" x="10" y="56">
                        { format!("{rate_text} · sent {}", short_count(*sent)) }
                        if *trouble > 0 { <tspan class="n-bad">{ format!(" · {} failed", short_count(*trouble)) }</tspan> }
                    </text>
                    { node_button(&button_text, button_aria, format!("publish:{}", n.name),
                        (10.0, h - 28.0, button_w), "btn-go", Action::Submit(crate::state::FormId::Controls,
                        crate::state::Command::PublishFrom(n.name.clone())), on) }
                    if error.is_some() {
                        <text class="n-bad" x={(NODE_W - 10.0).to_string()} y={(h - 13.0).to_string()} text-anchor="end">
                            <title>{ error.clone().unwrap_or_default() }</title>{ "⚠ error" }
                        </text>
                    }
                </>
            };
            (body, aria)
        }
        NodeDetail::Exchange { kind, badges } => {
            let aria = format!(
                "{kind} exchange {}{}",
                n.label(),
                badges
                    .iter()
                    .map(|b| format!("; {}", b.title))
                    .collect::<String>()
            );
            let body = html! {
                <>
                    <text class="n-title" x="10" y="22">{ trunc(&n.label(), 20) }</text>
                    <g class={classes!("xtype", format!("xt-{kind}"))} transform={format!("translate({},{})", NODE_W - 64.0, 8.0)}>
                        <rect width="56" height="18" rx="9" />
                        <text x="28" y="13" text-anchor="middle">{ kind.clone() }</text>
                    </g>
                    <text class="n-kind" x="10" y="40">{ "exchange" }</text>
                    { badges_view(badges, h - 22.0) }
                </>
            };
            (body, aria)
        }
        NodeDetail::Queue {
            ready,
            unacked,
            consumers,
            fill,
            badges,
        } => {
            let aria = format!(
                "Queue {}: {ready} ready, {unacked} unacked, {consumers} consumer(s){}",
                n.name,
                badges
                    .iter()
                    .map(|b| format!("; {}", b.title))
                    .collect::<String>()
            );
            let bar_w = NODE_W - 20.0;
            let body = html! {
                <>
                    <text class="n-title" x="10" y="20">{ trunc(&n.name, 22) }</text>
                    <text class="n-kind" x={(NODE_W - 10.0).to_string()} y="20" text-anchor="end">{ "queue" }</text>
                    <text class="n-line" x="10" y="39">
                        <tspan class="n-num" data-testid={format!("ready:{}", n.name)}>{ short_count(*ready) }</tspan>{ " ready · " }
                        <tspan class="n-num" data-testid={format!("unacked:{}", n.name)}>{ short_count(*unacked) }</tspan>{ " unacked" }
                        <tspan class="n-dim">{ format!(" · {consumers}c") }</tspan>
                    </text>
                    <rect class="depth-bg" x="10" y="47" width={bar_w.to_string()} height="8" rx="4" />
                    <rect class={classes!("depth", (*fill >= 0.999).then_some("depth-full"))} x="10" y="47"
                          width={(bar_w * fill).max(if *ready > 0 { 4.0 } else { 0.0 }).to_string()} height="8" rx="4" />
                    { badges_view(badges, h - 30.0) }
                </>
            };
            (body, aria)
        }
        NodeDetail::Consumer {
            queue,
            state,
            prefetch,
            in_flight,
            acked,
            nacked,
            policy,
            error,
        } => {
            let aria = format!(
                "Consumer {} on {queue}: {state}, prefetch {prefetch}, {in_flight} in flight, {acked} acked{}",
                n.name,
                error.as_ref().map(|e| format!("; last error {e}")).unwrap_or_default()
            );
            let running = *state == "running";
            let toggle = if running {
                node_button(
                    "■ Stop",
                    format!("Stop consumer {}", n.name),
                    format!("stop:{}", n.name),
                    (10.0, h - 26.0, 62.0),
                    "btn-stop",
                    Action::Submit(
                        crate::state::FormId::Controls,
                        crate::state::Command::StopConsumer(n.name.clone()),
                    ),
                    on,
                )
            } else {
                node_button(
                    "▶ Start",
                    format!("Start consumer {}", n.name),
                    format!("start:{}", n.name),
                    (10.0, h - 26.0, 62.0),
                    "btn-go",
                    Action::Submit(
                        crate::state::FormId::Controls,
                        crate::state::Command::StartConsumer(n.name.clone()),
                    ),
                    on,
                )
            };
            let body = html! {
                <>
                    <text class="n-title" x="10" y="20">{ trunc(&n.name, 15) }</text>
                    <g class={classes!("state", format!("st-{state}"))} transform={format!("translate({},{})", NODE_W - 74.0, 7.0)}>
                        <rect width="66" height="18" rx="9" />
                        <text x="33" y="13" text-anchor="middle" data-testid={format!("state:{}", n.name)}>{ *state }</text>
                    </g>
                    <text class="n-line" x="10" y="38">
                        { format!("prefetch {} · ", if *prefetch == 0 { "∞".to_owned() } else { prefetch.to_string() }) }
                        <tspan class="n-num" data-testid={format!("inflight:{}", n.name)}>{ in_flight.to_string() }</tspan>{ " in flight" }
                    </text>
                    <text class="n-line" x="10" y="54">
                        <tspan class="n-num" data-testid={format!("acked:{}", n.name)}>{ short_count(*acked) }</tspan>{ " acked" }
                        if *nacked > 0 { <tspan>{ format!(" · {} rejected", short_count(*nacked)) }</tspan> }
                    </text>
                    <text class="n-line n-dim" x="10" y="70"><title>{ policy.clone() }</title>{ trunc(policy, 27) }</text>
                    { toggle }
                    { node_button("✕ Kill", format!("Kill consumer {} (its unacked messages are requeued)", n.name),
                        format!("kill:{}", n.name), (78.0, h - 26.0, 58.0), "btn-kill",
                        Action::Submit(crate::state::FormId::Controls, crate::state::Command::KillConsumer(n.name.clone())), on) }
                    if error.is_some() {
                        <text class="n-bad" x={(NODE_W - 10.0).to_string()} y={(h - 12.0).to_string()} text-anchor="end">
                            <title>{ error.clone().unwrap_or_default() }</title>{ "⚠" }
                        </text>
                    }
                </>
            };
            (body, aria)
        }
    }
}

/// The canvas.
#[function_component(Canvas)]
pub fn canvas(props: &CanvasProps) -> Html {
    let svg_ref = use_node_ref();
    let gesture = use_state(|| None::<Gesture>);

    // Fit the scene when asked (a scene loaded, a tidy-up).
    {
        let svg_ref = svg_ref.clone();
        let on = props.on.clone();
        use_effect_with(props.fit_request, move |_| {
            if let Some(el) = svg_ref.cast::<Element>() {
                let (w, h) = size_of(&el);
                on.emit(Action::FitView(w, h));
            }
        });
    }

    let vp = match &*gesture {
        Some(Gesture::Pan { now, .. }) => *now,
        _ => props.viewport,
    };
    let mut layout: Layout = (*props.layout).clone();
    if let Some(Gesture::Node { key, now, .. }) = &*gesture {
        layout.insert(key.clone(), *now);
    }
    let topo = &props.view.topology;
    let pos = |key: &str| -> Option<(f64, f64, f64)> {
        let (x, y) = layout.get(key)?;
        let h = topo.node(key)?.kind.height();
        Some((*x, *y, h))
    };
    let marks = route_marks(props.route.as_deref());
    let selected_key = props.selection.node_key();
    let selected_binding = match &props.selection {
        Selection::Binding(b) => Some(b.clone()),
        _ => None,
    };

    // ---- Gestures

    let client = |e: &PointerEvent| (f64::from(e.client_x()), f64::from(e.client_y()));
    let onpointerdown_bg = {
        let gesture = gesture.clone();
        let svg_ref = svg_ref.clone();
        let vp = props.viewport;
        Callback::from(move |e: PointerEvent| {
            if e.button() != 0 {
                return;
            }
            if let Some(el) = svg_ref.cast::<Element>() {
                let _ = el.set_pointer_capture(e.pointer_id());
            }
            let start = client(&e);
            gesture.set(Some(Gesture::Pan {
                start,
                origin: vp,
                now: vp,
            }));
        })
    };
    let onpointermove = {
        let gesture = gesture.clone();
        Callback::from(move |e: PointerEvent| {
            let (cx, cy) = client(&e);
            match &*gesture {
                Some(Gesture::Pan { start, origin, .. }) => {
                    let now = Viewport {
                        x: origin.x + cx - start.0,
                        y: origin.y + cy - start.1,
                        k: origin.k,
                    };
                    gesture.set(Some(Gesture::Pan {
                        start: *start,
                        origin: *origin,
                        now,
                    }));
                }
                Some(Gesture::Node {
                    key,
                    start,
                    origin,
                    moved,
                    ..
                }) => {
                    let (dx, dy) = ((cx - start.0) / vp.k, (cy - start.1) / vp.k);
                    let moved = *moved || dx.abs() + dy.abs() > 3.0;
                    gesture.set(Some(Gesture::Node {
                        key: key.clone(),
                        start: *start,
                        origin: *origin,
                        now: (origin.0 + dx, origin.1 + dy),
                        moved,
                    }));
                }
                None => {}
            }
        })
    };
    let onpointerup = {
        let gesture = gesture.clone();
        let on = props.on.clone();
        Callback::from(move |_e: PointerEvent| {
            match &*gesture {
                Some(Gesture::Pan { now, origin, .. }) if now != origin => {
                    on.emit(Action::SetViewport(*now));
                }
                Some(Gesture::Node {
                    key, now, moved, ..
                }) => {
                    if *moved {
                        on.emit(Action::MoveNode(key.clone(), now.0, now.1));
                    } else if let Some((kind, name)) = key.split_once(':') {
                        on.emit(Action::Select(selection_of(kind, name)));
                    }
                }
                _ => {}
            }
            gesture.set(None);
        })
    };
    let onwheel = {
        let on = props.on.clone();
        let svg_ref = svg_ref.clone();
        let vp = props.viewport;
        Callback::from(move |e: WheelEvent| {
            e.prevent_default();
            let Some(el) = svg_ref.cast::<Element>() else {
                return;
            };
            let r = el.get_bounding_client_rect();
            let (cx, cy) = (
                f64::from(e.client_x()) - r.left(),
                f64::from(e.client_y()) - r.top(),
            );
            let f = if e.delta_y() < 0.0 { 1.12 } else { 1.0 / 1.12 };
            let k = (vp.k * f).clamp(ZOOM.0, ZOOM.1);
            on.emit(Action::SetViewport(Viewport {
                x: cx - (cx - vp.x) * k / vp.k,
                y: cy - (cy - vp.y) * k / vp.k,
                k,
            }));
        })
    };
    let onkeydown_bg = {
        let on = props.on.clone();
        let vp = props.viewport;
        let svg_ref = svg_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            // Only when the canvas itself has focus (nodes handle their own).
            let is_self = e
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .is_some_and(|t| t.id() == "canvas");
            if !is_self {
                return;
            }
            let step = if e.shift_key() { 120.0 } else { 40.0 };
            let (dx, dy) = match e.key().as_str() {
                "ArrowLeft" => (step, 0.0),
                "ArrowRight" => (-step, 0.0),
                "ArrowUp" => (0.0, step),
                "ArrowDown" => (0.0, -step),
                "Enter" => {
                    if let Some(el) = svg_ref.cast::<Element>() {
                        let (w, h) = size_of(&el);
                        on.emit(Action::FitView(w, h));
                    }
                    return;
                }
                _ => return,
            };
            e.prevent_default();
            on.emit(Action::SetViewport(Viewport {
                x: vp.x + dx,
                y: vp.y + dy,
                k: vp.k,
            }));
        })
    };

    // ---- Edges

    let mut edges_html = Vec::new();
    let mut labels_html = Vec::new();
    for e in &topo.edges {
        let (Some(a), Some(b)) = (pos(&e.from), pos(&e.to)) else {
            continue;
        };
        let (d, mid) = edge_path(e.kind, a, b, e.lane);
        let mut class = classes!("edge", e.kind.class());
        let mut aria = match e.kind {
            EdgeKind::Publish => format!("{} publishes to {}", name_of(&e.from), name_of(&e.to)),
            EdgeKind::Consume => format!("{} consumes from {}", name_of(&e.to), name_of(&e.from)),
            EdgeKind::DeadLetter => {
                format!("{} dead-letters to {}", name_of(&e.from), name_of(&e.to))
            }
            EdgeKind::Alternate => format!(
                "{} falls back to alternate exchange {}",
                name_of(&e.from),
                name_of(&e.to)
            ),
            EdgeKind::Implicit => format!(
                "the default exchange routes key {} to the queue of that name",
                name_of(&e.to)
            ),
            EdgeKind::Binding => String::new(),
        };
        if let Some(bs) = &e.binding {
            let rk = binding_route_key(bs);
            if marks.hit.contains(&rk) {
                class.push("route-hit");
            } else if marks.miss.contains(&rk) {
                class.push("route-miss");
            }
            if selected_binding.as_ref() == Some(bs) {
                class.push("selected");
            }
            aria = format!(
                "Binding from {} to {} {}: {}",
                bs.source,
                if bs.to_exchange { "exchange" } else { "queue" },
                bs.destination,
                e.label
            );
        }
        if e.kind == EdgeKind::Consume {
            let running = topo.node(&e.to).is_some_and(
                |n| matches!(&n.detail, NodeDetail::Consumer { state, .. } if *state == "running"),
            );
            if !running {
                class.push("idle");
            }
        }
        if e.kind == EdgeKind::Implicit {
            let key = (String::new(), e.to.clone(), name_of(&e.to).to_owned());
            if marks.hit.contains(&key) {
                class.push("route-hit");
            }
        }
        let marker = format!("url(#arrow-{})", e.kind.class());
        edges_html.push(html! {
            <path key={e.key.clone()} class={class.clone()} d={d.clone()} marker-end={marker} />
        });
        if e.label.is_empty() {
            continue;
        }
        let text = trunc(&e.label, 28);
        let w = 12.0 + 7.0 * text.chars().count() as f64;
        let select = e.binding.clone().map(Selection::Binding);
        let onclick = {
            let on = props.on.clone();
            let select = select.clone();
            Callback::from(move |ev: MouseEvent| {
                ev.stop_propagation();
                if let Some(s) = select.clone() {
                    on.emit(Action::Select(s));
                }
            })
        };
        let onkey = {
            let on = props.on.clone();
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
        labels_html.push(html! {
            <g key={format!("l-{}", e.key)} class={label_class}
               transform={format!("translate({:.1},{:.1})", mid.0 - w / 2.0, mid.1 - 9.0)}
               role={focusable.then_some("button")} tabindex={focusable.then_some("0")}
               aria-label={aria} data-testid={testid}
               onclick={onclick} onkeydown={onkey} onpointerdown={stop}>
                <title>{ e.label.clone() }</title>
                <rect width={w.to_string()} height="18" rx="5" />
                <text x={(w / 2.0).to_string()} y="13" text-anchor="middle">{ text }</text>
            </g>
        });
    }

    // ---- Nodes

    let flash_of = |key: &str| {
        props
            .anim
            .flashes
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.class)
    };
    let mut nodes_html = Vec::new();
    for n in &topo.nodes {
        let Some((x, y, h)) = pos(&n.key) else {
            continue;
        };
        let (body, aria) = node_body(n, &props.on);
        let mut class = classes!("node", format!("node-{}", n.kind.prefix()));
        if selected_key.as_deref() == Some(n.key.as_str()) {
            class.push("selected");
        }
        if marks.hops.contains(&n.key) {
            class.push("route-hop");
        }
        if marks.dests.contains(&n.key) {
            class.push("route-dest");
        }
        if let Some(f) = flash_of(&n.key) {
            class.push(f);
        }
        if let NodeDetail::Consumer { state, .. } = &n.detail {
            class.push(format!("c-{state}"));
        }
        let ondown = {
            let gesture = gesture.clone();
            let svg_ref = svg_ref.clone();
            let key = n.key.clone();
            let origin = (x, y);
            Callback::from(move |e: PointerEvent| {
                if e.button() != 0 {
                    return;
                }
                e.stop_propagation();
                if let Some(el) = svg_ref.cast::<Element>() {
                    let _ = el.set_pointer_capture(e.pointer_id());
                }
                gesture.set(Some(Gesture::Node {
                    key: key.clone(),
                    start: client(&e),
                    origin,
                    now: origin,
                    moved: false,
                }));
            })
        };
        let onkey = {
            let on = props.on.clone();
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
                        on.emit(Action::Select(selection_of(kind.prefix(), &name)));
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
        };
        let pressed = if selected_key.as_deref() == Some(n.key.as_str()) {
            "true"
        } else {
            "false"
        };
        nodes_html.push(html! {
            <g key={n.key.clone()} class={class} transform={format!("translate({x:.1},{y:.1})")}
               role="button" tabindex="0" aria-label={aria} aria-pressed={pressed}
               data-testid={format!("node:{}", n.key)}
               onpointerdown={ondown} onkeydown={onkey}>
                <rect class="box" width={NODE_W.to_string()} height={h.to_string()} rx="10" />
                <rect class="band" width="5" height={(h - 16.0).to_string()} x="0" y="8" rx="2" />
                { body }
            </g>
        });
    }

    // ---- Flights

    let mut flights_html = Vec::new();
    for f in &props.anim.flights {
        let (Some(a), Some(b)) = (pos(&f.from), pos(&f.to)) else {
            continue;
        };
        let edge = topo.edges.iter().find(|e| e.from == f.from && e.to == f.to);
        let kind = match (edge, f.kind) {
            (Some(e), _) => e.kind,
            (None, FlightKind::DeadLetter) => EdgeKind::DeadLetter,
            _ => EdgeKind::Binding,
        };
        let lane = edge.map_or((0, 1), |e| e.lane);
        // A return runs backwards along the publish edge (CSS reverses it).
        let (d, _) = if f.kind == FlightKind::Return {
            edge_path(EdgeKind::Publish, b, a, (0, 1))
        } else {
            edge_path(kind, a, b, lane)
        };
        let style = format!(
            "animation-duration:{}ms;animation-delay:{:.0}ms",
            crate::state::FLIGHT_MS,
            f.delay
        );
        flights_html.push(html! {
            <path key={f.id.to_string()} class={classes!("flight", f.kind.class(),
                (f.kind == FlightKind::Return).then_some("reverse"))}
                d={d} pathLength="100" style={style}>
                <title>{ format!("message #{}", f.message) }</title>
            </path>
        });
    }
    let skipped = props.anim.skipped;

    let transform = format!("translate({:.1},{:.1}) scale({:.3})", vp.x, vp.y, vp.k);
    let zoom_in = zoom_by(1.25, &props.on, &svg_ref);
    let zoom_out = zoom_by(1.0 / 1.25, &props.on, &svg_ref);
    let fit = {
        let on = props.on.clone();
        let svg_ref = svg_ref.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = svg_ref.cast::<Element>() {
                let (w, h) = size_of(&el);
                on.emit(Action::FitView(w, h));
            }
        })
    };
    let tidy = {
        let on = props.on.clone();
        Callback::from(move |_: MouseEvent| on.emit(Action::AutoLayout))
    };
    let empty = topo.nodes.is_empty();
    let dragging = matches!(&*gesture, Some(Gesture::Node { moved: true, .. }));
    let panning = matches!(&*gesture, Some(Gesture::Pan { .. }));

    html! {
        <div class="canvas-wrap">
            <svg id="canvas" ref={svg_ref.clone()} class={classes!("canvas", dragging.then_some("dragging"), panning.then_some("panning"))}
                 tabindex="0" role="group"
                 aria-label="Topology: producers, exchanges, queues and consumers. Drag or use arrow keys to pan; Tab to reach nodes."
                 onpointerdown={onpointerdown_bg} onpointermove={onpointermove} onpointerup={onpointerup.clone()}
                 onpointercancel={onpointerup} onwheel={onwheel} onkeydown={onkeydown_bg}>
                <defs>
                    { for ["edge-publish", "edge-binding", "edge-implicit", "edge-dlx", "edge-ae", "edge-consume"].iter().map(|k| html! {
                        <marker id={format!("arrow-{k}")} class={classes!("arrow", *k)} viewBox="0 0 10 10" refX="9" refY="5"
                                markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse">
                            <path d="M0,0 L10,5 L0,10 z" />
                        </marker>
                    }) }
                    <pattern id="grid" width="40" height="40" patternUnits="userSpaceOnUse">
                        <path d="M40 0 L0 0 0 40" class="grid-line" />
                    </pattern>
                </defs>
                <rect class="grid" x="-5000" y="-5000" width="10000" height="10000"
                      transform={transform.clone()} fill="url(#grid)" />
                <g transform={transform.clone()}>
                    <g class="edges">{ for edges_html }</g>
                    <g class="nodes">{ for nodes_html }</g>
                    <g class="labels">{ for labels_html }</g>
                </g>
            </svg>
            // A layer of their own: dots moving on every frame repaint it
            // alone, not the graph under them.
            <svg class="flight-layer" aria-hidden="true" focusable="false">
                <g class="flights" transform={transform}>{ for flights_html }</g>
            </svg>
            if empty {
                <p class="canvas-empty">{ "Nothing here yet: add an exchange, a queue and a binding from the Add tab (A), or load a scene." }</p>
            }
            <div class="canvas-tools" role="toolbar" aria-label="Canvas">
                <button type="button" id="zoom-out" aria-label="Zoom out" title="Zoom out (−)" onclick={zoom_out}>{ "−" }</button>
                <span class="zoom-level" aria-live="off">{ format!("{:.0}%", vp.k * 100.0) }</span>
                <button type="button" id="zoom-in" aria-label="Zoom in" title="Zoom in (+)" onclick={zoom_in}>{ "+" }</button>
                <button type="button" id="zoom-fit" aria-label="Fit the scene into view" title="Fit (0)" onclick={fit}>{ "Fit" }</button>
                <button type="button" id="tidy" aria-label="Lay the nodes out in columns" title="Tidy layout (T)" onclick={tidy}>{ "Tidy" }</button>
            </div>
            if skipped > 0 {
                <p class="canvas-skipped" aria-live="off">{ format!("+{skipped} message moves not animated") }</p>
            }
            <ul class="legend" aria-label="Legend">
                <li><span class="sw sw-binding"></span>{ "binding" }</li>
                <li><span class="sw sw-dlx"></span>{ "dead letters" }</li>
                <li><span class="sw sw-ae"></span>{ "alternate exchange" }</li>
            </ul>
        </div>
    }
}

fn selection_of(kind: &str, name: &str) -> Selection {
    match kind {
        "exchange" => Selection::Exchange(name.to_owned()),
        "queue" => Selection::Queue(name.to_owned()),
        "producer" => Selection::Producer(name.to_owned()),
        "consumer" => Selection::Consumer(name.to_owned()),
        _ => Selection::None,
    }
}

fn zoom_by(f: f64, on: &Callback<Action>, svg_ref: &NodeRef) -> Callback<MouseEvent> {
    let on = on.clone();
    let svg_ref = svg_ref.clone();
    Callback::from(move |_: MouseEvent| {
        if let Some(el) = svg_ref.cast::<Element>() {
            on.emit(Action::ZoomBy(f, size_of(&el)));
        }
    })
}

/// `queue:orders` → `orders`.
fn name_of(key: &str) -> &str {
    key.split_once(':').map_or(key, |(_, n)| n)
}
