//! Warren's playground: a RabbitMQ 3.10 broker (warren-core) in the
//! browser. `App` lives here, not in `main.rs`, so that the browser tests
//! can mount it.
//!
//! - [`state`]: `AppState` and its reducer, the only place the world
//!   changes; no clock, no DOM.
//! - [`components`]: one component per file, data and callbacks in.
//! - [`hooks`]: `App`'s effects (wall clock, keyboard).
//! - [`storage`], [`panic`](mod@panic): the saved scene and the panic panel.
//! - [`prerender`]: the default scene rendered at build time, which the
//!   page paints before the wasm has run.

pub mod components;
pub mod embed;
pub mod embed_app;
pub mod hooks;
pub mod host_api;
pub mod limits;
pub mod panic;
pub mod prerender;
pub mod share;
pub mod state;
pub mod storage;

use std::rc::Rc;

use yew::prelude::*;

use components::add_panel::AddPanel;
use components::canvas::Canvas;
use components::charts::{overview, ChartCtx, Figures};
use components::dialogs::{CodeDialog, GalleryDialog, HelpDialog, SceneDialog};
use components::event_log::EventLog;
use components::inspector::Inspector;
use components::lesson_bar::lesson_bar;
use components::publish::PublishPanel;
use components::route::RoutePanel;
use components::share::{use_open_link, KeptBar, ShareDialog};
use components::timebar::TimeBar;
use state::{Action, AppState, Dialog, FormId, Level, Notice, Panel};

/// `App`'s props: none in the browser.
#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// Rendered for the build-time snapshot ([`prerender`]), where no
    /// effect runs.
    #[prop_or_default]
    pub snapshot: bool,
}

/// The root component.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = hooks::use_store(|| {
        let restored = AppState::restore(storage::load().as_deref());
        if storage::available() {
            restored
        } else {
            restored.without_storage()
        }
    });

    // ---- Effects

    hooks::use_wall_clock(state.dispatcher());
    hooks::use_shortcuts(state.dispatcher());
    let kept = use_open_link(state.dispatcher(), false);
    components::files::use_file_drop(state.dispatcher());
    {
        // Save the scene after every change to it (not on load).
        let latest = state.latest();
        use_effect_with(state.scene_rev, move |rev| {
            if *rev > 0 {
                latest.with(|s| storage::save(&s.scene_text()));
            }
        });
    }

    let on: Callback<Action> = state.dispatcher();
    let view = state.world.view().clone();
    let ui = &state.ui;
    let entities: Vec<String> = view.topology.nodes.iter().map(|n| n.key.clone()).collect();
    html! {
        <div class="app" id="app">
            <a class="skip" href="#canvas">{ "Skip to the canvas" }</a>
            { topbar(&state, &on) }
            { scene_info(&state) }
            if let Some(player) = &state.player {
                { lesson_bar(player, &state.timeline.start().name, &on) }
            }
            <Canvas view={view.clone()} layout={state.layout.clone()} selection={ui.selection.clone()}
                route={ui.route.clone()} anim={state.anim.clone()} viewport={ui.viewport}
                fit_request={ui.fit_request} snapshot={props.snapshot} on={on.clone()}
                findings={Rc::new(state.lint.shown())}
                chart={Some(Figures(state.chart.clone()))} />
            { side(&state, &on) }
            <EventLog log={ui.log.clone()} filter={ui.log_filter.clone()}
                entities={entities} on={on.clone()} />
            <KeptBar kept={kept} on={on.clone()} />
            <div id="notice" role="status" aria-live="polite">{ for notice(ui.notice.clone(), &on) }</div>
            if ui.dialog == Dialog::Help {
                <HelpDialog on={on.clone()} />
            }
            if ui.dialog == Dialog::Gallery {
                <GalleryDialog on={on.clone()} />
            }
            if ui.dialog == Dialog::Scene {
                <SceneDialog export={state.scene_text()} definitions={state.definitions_text()} error={ui.errors.get(&FormId::Scene).cloned()} on={on.clone()} />
            }
            if ui.dialog == Dialog::Share {
                <ShareDialog scene={state.scene_text()} has_run={state.has_run()} run={ui.share_run.clone()} on={on.clone()} />
            }
            if ui.dialog == Dialog::Code {
                <CodeDialog files={state.code_files()} on={on.clone()} />
            }
        </div>
    }
}

/// A click that dispatches `a`.
fn emit(on: &Callback<Action>, a: Action) -> Callback<MouseEvent> {
    let on = on.clone();
    Callback::from(move |_: MouseEvent| on.emit(a.clone()))
}

/// The title, the time bar, and the scenes and help buttons.
fn topbar(state: &AppState, on: &Callback<Action>) -> Html {
    let marks = state.timeline_marks();
    html! {
        <header class="topbar">
            <div class="brand">
                <h1 id="title">{ "Warren" }</h1>
                <span class="tagline">{ "RabbitMQ playground" }</span>
            </div>
            <TimeBar playing={state.clock.playing} speed={state.clock.speed} now={state.now().ms()}
                origin={state.timeline.origin().ms()} horizon={state.timeline.horizon().ms()}
                marks={marks} on={on.clone()} />
            <nav class="top-actions" aria-label="Playground">
                { components::findings::count(&state.lint.shown(), &state.ui.selection, state.lint.dismissed(), on) }
                <button type="button" id="open-gallery" onclick={emit(on, Action::OpenDialog(Dialog::Gallery))}>{ "Lessons" }</button>
                <button type="button" id="open-scenes" onclick={emit(on, Action::OpenDialog(Dialog::Scene))}>{ "Scenes" }</button>
                <button type="button" id="open-code" title="This scene as pika (Python) scripts for a real RabbitMQ"
                        onclick={emit(on, Action::OpenDialog(Dialog::Code))}>{ "Code" }</button>
                <button type="button" id="open-share" onclick={emit(on, Action::OpenDialog(Dialog::Share))}>{ "Share" }</button>
                <button type="button" id="open-help" aria-label="Help and keyboard shortcuts" title="Help (?)"
                        onclick={emit(on, Action::OpenDialog(Dialog::Help))}>{ "?" }</button>
            </nav>
        </header>
    }
}

/// The scene's name and description, and (for screen readers) what the
/// broker holds.
fn scene_info(state: &AppState) -> Html {
    let start = state.timeline.start();
    let view = state.world.view();
    html! {
        <section class="scene-info" id="scene-info" aria-label="Scene">
            <strong id="scene-name">{ if start.name.is_empty() { "untitled scene".to_owned() } else { start.name.clone() } }</strong>
            if !start.description.is_empty() {
                <details><summary>{ start.description.clone() }</summary></details>
            }
            <p id="core-status" class="sr-only">
                { format!("Broker model ready: {} exchanges, {} queues, {} consumers.",
                    view.exchanges.len(), view.queues.len(), view.consumers.len()) }
            </p>
        </section>
    }
}

/// The side panel: its tabs, and the open tab's panel.
fn side(state: &AppState, on: &Callback<Action>) -> Html {
    let ui = &state.ui;
    let tab = |p: Panel, id: &str, label: &str, key: &str| {
        let selected = ui.panel == p;
        html! {
            <button type="button" role="tab" id={format!("tab-{id}")} aria-selected={selected.to_string()}
                    aria-controls="panel"
                    title={format!("{label} ({key})")} onclick={emit(on, Action::ShowPanel(p))}>{ label.to_owned() }</button>
        }
    };
    html! {
        <aside class="side" aria-label="Details">
            { overview(&chart_ctx(state)) }
            <div class="tabs" role="tablist" aria-label="Side panel">
                { tab(Panel::Inspect, "inspect", "Inspect", "I") }
                { tab(Panel::Add, "add", "Add", "A") }
                { tab(Panel::Publish, "publish", "Publish", "M") }
                { tab(Panel::Route, "route", "Why?", "W") }
            </div>
            <div class="panel" id="panel" role="tabpanel" aria-labelledby={format!("tab-{}", match ui.panel {
                Panel::Inspect => "inspect", Panel::Add => "add", Panel::Publish => "publish", Panel::Route => "route" })}>
                { panel(state, on) }
            </div>
        </aside>
    }
}

/// The open tab's panel.
fn panel(state: &AppState, on: &Callback<Action>) -> Html {
    let ui = &state.ui;
    let view = state.world.view().clone();
    match ui.panel {
        Panel::Inspect => html! {
            <Inspector inspection={state.inspection()} view={view} now={state.now()}
                edit_error={ui.errors.get(&FormId::Edit).cloned()}
                controls_error={ui.errors.get(&FormId::Controls).cloned()}
                edits={ui.ok.get(&FormId::Edit).copied().unwrap_or(0)} on={on.clone()}
                findings={Rc::new(components::findings::on_selection(&state.lint.shown(), &ui.selection))}
                charts={Some(chart_ctx(state))} />
        },
        Panel::Add => html! {
            <AddPanel view={view} selection={ui.selection.clone()} errors={ui.errors.clone()}
                ok={ui.ok.clone()} on={on.clone()} />
        },
        Panel::Publish => html! {
            <PublishPanel view={view} publisher_name={state.free_actor_name("publisher")}
                error={ui.errors.get(&FormId::Publish).cloned()} on={on.clone()} />
        },
        Panel::Route => html! {
            <RoutePanel view={view} query={ui.route_query.clone()} route={ui.route.clone()} on={on.clone()} />
        },
    }
}

/// What the charts draw: the figures, the moment, the lesson's step starts.
fn chart_ctx(state: &AppState) -> ChartCtx {
    let marks = state
        .player
        .as_ref()
        .map(|p| p.marks.iter().map(|m| m.at).collect());
    ChartCtx {
        stats: Figures(state.chart.clone()),
        now: state.now(),
        marks: Rc::new(marks.unwrap_or_default()),
    }
}

/// The notice, if there is one, with its dismiss button.
pub(crate) fn notice(notice: Option<Notice>, on: &Callback<Action>) -> Option<Html> {
    notice.map(|n| {
        let class = match n.level {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        };
        html! {
            <div class={classes!("notice", class)}>
                <span id="notice-text">{ n.text }</span>
                <button type="button" aria-label="OK: dismiss this notice" onclick={emit(on, Action::DismissNotice)}>{ "OK" }</button>
            </div>
        }
    })
}
