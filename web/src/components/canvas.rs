//! The canvas: the topology as an SVG graph. Nodes can be dragged (or moved
//! with the arrow keys), the background pans, the wheel zooms; messages
//! fly along edges; the routing explanation lights bindings up.

mod edges;
mod findings;
mod node;

use std::rc::Rc;

use warren_core::RouteExplanation;
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent, PointerEvent, WheelEvent};
use yew::prelude::*;

use super::charts::{sparkline, Figures};
use crate::state::graph::{edge_path, fit_box};
use crate::state::{
    Action, Anim, BindingSpec, EdgeKind, FlightKind, Layout, Node, NodeDetail, Selection, Shown,
    Topology, Viewport, WorldView, ZOOM,
};
use edges::{EdgeItem, EdgeLayer};
use node::NodeView;

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
    /// Drawn for the build-time snapshot ([`crate::prerender`]): no effect
    /// runs there to measure the canvas and fit the scene, so CSS fits it.
    #[prop_or_default]
    pub snapshot: bool,
    /// The lint's findings standing (badges on what they are about).
    #[prop_or_default]
    pub findings: Rc<Vec<Shown>>,
    /// Figures over time: each queue's sparkline.
    #[prop_or_default]
    pub chart: Option<Figures>,
    /// Intents.
    pub on: Callback<Action>,
}

/// A gesture in progress.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Gesture {
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

/// Where a pointer event happened, screen px.
fn client(e: &PointerEvent) -> (f64, f64) {
    (f64::from(e.client_x()), f64::from(e.client_y()))
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

/// The canvas.
#[function_component(Canvas)]
pub fn canvas(props: &CanvasProps) -> Html {
    let svg_ref = use_node_ref();
    let gesture = use_state(|| None::<Gesture>);

    // Fit the scene when asked (a scene loaded, a tidy-up).
    let (fit_on, fit_ref) = (props.on.clone(), svg_ref.clone());
    use_effect_with(props.fit_request, move |_| fit_view(&fit_on, &fit_ref));

    let vp = match &*gesture {
        Some(Gesture::Pan { now, .. }) => *now,
        _ => props.viewport,
    };
    let dragged = dragged_layout(&props.layout, &gesture);
    let layout: &Layout = dragged.as_ref().unwrap_or(&props.layout);
    let topo = &props.view.topology;
    let pos = |key: &str| -> Option<(f64, f64, f64)> {
        let (x, y) = layout.get(key)?;
        let h = topo.node(key)?.kind.height();
        Some((*x, *y, h))
    };
    let selected_binding = selected_binding(&props.selection);
    let items = Rc::new(edge_items(topo, pos));
    let nodes_html = nodes(props, pos, &svg_ref, gesture.setter());
    let badges_html = findings::badges(&props.findings, &items, pos, &props.on);
    let flights_html = flights(&props.anim, topo, pos);
    let skipped = props.anim.skipped;

    let Placement {
        transform,
        fitted,
        zoom_text,
    } = placement(props.snapshot, topo, layout, vp);
    let fitted_class = fitted.is_some().then_some("fitted");
    let empty = topo.nodes.is_empty();
    let dragging = matches!(&*gesture, Some(Gesture::Node { moved: true, .. }));
    let panning = matches!(&*gesture, Some(Gesture::Pan { .. }));
    let onpointerup = drag_end(&gesture, &props.on);

    // The canvas is the page's main content (its landmark).
    html! {
        <main class="canvas-wrap">
            <svg id="canvas" ref={svg_ref.clone()} class={classes!("canvas", dragging.then_some("dragging"), panning.then_some("panning"))}
                 tabindex="0" role="group"
                 aria-label="Topology: producers, exchanges, queues and consumers. Drag or use arrow keys to pan; Tab to reach nodes."
                 onpointerdown={pan_start(&gesture, &svg_ref, props.viewport)} onpointermove={drag_move(&gesture, vp)}
                 onpointerup={onpointerup.clone()} onpointercancel={onpointerup}
                 onwheel={wheel_zoom(&props.on, &svg_ref, props.viewport)} onkeydown={pan_keys(&props.on, &svg_ref, props.viewport)}>
                { defs() }
                <rect class={classes!("grid", fitted_class)} style={fitted.clone()}
                      x="-5000" y="-5000" width="10000" height="10000"
                      transform={transform.clone()} fill="url(#grid)" />
                <g class={classes!(fitted_class)} style={fitted} transform={transform.clone()}>
                    <g class="edges">
                        <EdgeLayer items={items.clone()} route={props.route.clone()}
                            selected={selected_binding.clone()} labels={false} on={props.on.clone()} />
                    </g>
                    <g class="nodes">{ for nodes_html }</g>
                    <g class="labels">
                        <EdgeLayer items={items} route={props.route.clone()}
                            selected={selected_binding} labels={true} on={props.on.clone()} />
                    </g>
                    { badges_html }
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
            { tools(zoom_text, &props.on, &svg_ref) }
            if skipped > 0 {
                <p class="canvas-skipped" aria-live="off">{ format!("+{skipped} message moves not animated") }</p>
            }
            { legend() }
        </main>
    }
}

/// The binding the edges draw as selected, if a binding is.
fn selected_binding(selection: &Selection) -> Option<BindingSpec> {
    match selection {
        Selection::Binding(b) => Some(b.clone()),
        _ => None,
    }
}

/// The layout with the dragged node where the pointer holds it: a copy
/// only while a node is dragged (this runs every tick).
fn dragged_layout(layout: &Layout, gesture: &Option<Gesture>) -> Option<Layout> {
    match gesture {
        Some(Gesture::Node { key, now, .. }) => {
            let mut l = layout.clone();
            l.insert(key.clone(), *now);
            Some(l)
        }
        _ => None,
    }
}

/// Where the graph is drawn.
struct Placement {
    /// The pan and zoom, as an SVG transform (empty in the snapshot).
    transform: String,
    /// In the snapshot, the scene's box for CSS to fit.
    fitted: Option<String>,
    /// The zoom level shown (empty in the snapshot).
    zoom_text: String,
}

/// Places the graph by the viewport `vp`, or (the snapshot) by CSS.
fn placement(snapshot: bool, topo: &Topology, layout: &Layout, vp: Viewport) -> Placement {
    // The snapshot cannot measure the canvas: it hands the scene's box to
    // CSS (`.fitted` in style.css), which fits it as `AppState`'s fit
    // would, so the live app takes over the picture where it stands.
    // (Never in the browser: the wasm leaves this code out.)
    let snapshot_box = (cfg!(not(target_arch = "wasm32")) && snapshot)
        .then(|| fit_box(topo, layout))
        .flatten();
    match snapshot_box {
        Some((x, y, w, h)) => Placement {
            transform: String::new(),
            fitted: Some(format!("--bx:{x:.1};--by:{y:.1};--bw:{w:.1};--bh:{h:.1}")),
            zoom_text: String::new(),
        },
        None => Placement {
            transform: format!("translate({:.1},{:.1}) scale({:.3})", vp.x, vp.y, vp.k),
            fitted: None,
            zoom_text: format!("{:.0}%", vp.k * 100.0),
        },
    }
}

// ---- Gestures

/// A press on the background starts a pan.
fn pan_start(
    gesture: &UseStateHandle<Option<Gesture>>,
    svg_ref: &NodeRef,
    vp: Viewport,
) -> Callback<PointerEvent> {
    let gesture = gesture.clone();
    let svg_ref = svg_ref.clone();
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
}

/// The pointer moves the pan or the dragged node (`vp`: the zoom the
/// move is scaled by).
fn drag_move(gesture: &UseStateHandle<Option<Gesture>>, vp: Viewport) -> Callback<PointerEvent> {
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
}

/// The pointer lets go: the pan or the move is kept, and a node pressed
/// without moving is selected.
fn drag_end(
    gesture: &UseStateHandle<Option<Gesture>>,
    on: &Callback<Action>,
) -> Callback<PointerEvent> {
    let gesture = gesture.clone();
    let on = on.clone();
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
                } else {
                    on.emit(Action::Select(Selection::of_node_key(key)));
                }
            }
            _ => {}
        }
        gesture.set(None);
    })
}

/// The wheel zooms about the pointer.
fn wheel_zoom(on: &Callback<Action>, svg_ref: &NodeRef, vp: Viewport) -> Callback<WheelEvent> {
    let on = on.clone();
    let svg_ref = svg_ref.clone();
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
}

/// Arrow keys pan the canvas, Enter fits the scene.
fn pan_keys(on: &Callback<Action>, svg_ref: &NodeRef, vp: Viewport) -> Callback<KeyboardEvent> {
    let on = on.clone();
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
                fit_view(&on, &svg_ref);
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
}

/// Fits the scene into the canvas as it measures now.
fn fit_view(on: &Callback<Action>, svg_ref: &NodeRef) {
    if let Some(el) = svg_ref.cast::<Element>() {
        let (w, h) = size_of(&el);
        on.emit(Action::FitView(w, h));
    }
}

// ---- What is drawn

/// The edges with where their ends sit (edges to a node not laid out are
/// left out).
fn edge_items(topo: &Topology, pos: impl Fn(&str) -> Option<(f64, f64, f64)>) -> Vec<EdgeItem> {
    topo.edges
        .iter()
        .filter_map(|e| {
            Some(EdgeItem {
                from: pos(&e.from)?,
                to: pos(&e.to)?,
                idle: e.kind == EdgeKind::Consume
                    && !topo.node(&e.to).is_some_and(|n| {
                        matches!(&n.detail, NodeDetail::Consumer { state, .. } if *state == "running")
                    }),
                edge: e.clone(),
            })
        })
        .collect()
}

/// A [`NodeView`] per laid-out node, marked as selected, on the route or
/// flashing.
fn nodes<'a>(
    props: &'a CanvasProps,
    pos: impl Fn(&str) -> Option<(f64, f64, f64)> + 'a,
    svg_ref: &'a NodeRef,
    set_gesture: UseStateSetter<Option<Gesture>>,
) -> impl Iterator<Item = Html> + 'a {
    let marks = edges::route_marks(props.route.as_deref());
    let selected_key = props.selection.node_key();
    props.view.topology.nodes.iter().filter_map(move |n| {
        let (x, y, _) = pos(&n.key)?;
        let flash = props
            .anim
            .flashes
            .iter()
            .find(|f| f.key == n.key)
            .map(|f| f.class);
        Some(html! {
            <NodeView key={n.key.clone()} node={n.clone()} x={x} y={y}
                selected={selected_key.as_deref() == Some(n.key.as_str())}
                hop={marks.hops.contains(&n.key)} dest={marks.dests.contains(&n.key)}
                flash={flash} svg_ref={svg_ref.clone()} set_gesture={set_gesture.clone()}
                on={props.on.clone()} spark={spark(props, n)} />
        })
    })
}

/// The messages in the air, each a dot running along its edge.
fn flights(
    anim: &Anim,
    topo: &Topology,
    pos: impl Fn(&str) -> Option<(f64, f64, f64)>,
) -> Vec<Html> {
    let mut flights_html = Vec::new();
    for f in &anim.flights {
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
        // No <title>: the layer is aria-hidden and takes no pointer events,
        // so a title would be an element per dot nobody can reach.
        flights_html.push(html! {
            <path key={f.id.to_string()} class={classes!("flight", f.kind.class(),
                (f.kind == FlightKind::Return).then_some("reverse"))}
                d={d} pathLength="100" style={style} />
        });
    }
    flights_html
}

/// The arrowheads, one per edge kind, and the background grid.
fn defs() -> Html {
    html! {
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
    }
}

/// The zoom, fit and tidy buttons (`zoom_text`: the zoom level shown).
fn tools(zoom_text: String, on: &Callback<Action>, svg_ref: &NodeRef) -> Html {
    let zoom_in = zoom_by(1.25, on, svg_ref);
    let zoom_out = zoom_by(1.0 / 1.25, on, svg_ref);
    let fit = {
        let on = on.clone();
        let svg_ref = svg_ref.clone();
        Callback::from(move |_: MouseEvent| fit_view(&on, &svg_ref))
    };
    let tidy = {
        let on = on.clone();
        Callback::from(move |_: MouseEvent| on.emit(Action::AutoLayout))
    };
    html! {
        <div class="canvas-tools" role="toolbar" aria-label="Canvas">
            <button type="button" id="zoom-out" aria-label="Zoom out" title="Zoom out (−)" onclick={zoom_out}>{ "−" }</button>
            <span class="zoom-level" aria-live="off">{ zoom_text }</span>
            <button type="button" id="zoom-in" aria-label="Zoom in" title="Zoom in (+)" onclick={zoom_in}>{ "+" }</button>
            <button type="button" id="zoom-fit" aria-label="Fit the scene into view" title="Fit (0)" onclick={fit}>{ "Fit" }</button>
            <button type="button" id="tidy" aria-label="Tidy: lay the nodes out in columns" title="Tidy layout (T)" onclick={tidy}>{ "Tidy" }</button>
        </div>
    }
}

/// What the edges' colours mean.
fn legend() -> Html {
    html! {
        <ul class="legend" aria-label="Legend">
            <li><span class="sw sw-binding"></span>{ "binding" }</li>
            <li><span class="sw sw-dlx"></span>{ "dead letters" }</li>
            <li><span class="sw sw-ae"></span>{ "alternate exchange" }</li>
        </ul>
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

/// A queue node's sparkline of ready messages (empty for other nodes).
fn spark(props: &CanvasProps, n: &Node) -> AttrValue {
    match (&props.chart, &n.detail) {
        (Some(stats), NodeDetail::Queue { .. }) => sparkline(&stats.0, &n.name, 10).into(),
        _ => AttrValue::default(),
    }
}
