//! The embedded playground (`?embed`, options in src/embed.rs): the
//! canvas, the play controls and the event log, sized to the `<iframe>`,
//! with the whole scene fitted in it. No side panel, no dialogs, no
//! scene menu. It reads and writes no storage (several embeds of one
//! page run independently, and a reader's own playground is untouched)
//! and sets no cookies; it shows the scene in its link, else the default.

use gloo_events::EventListener;
use yew::prelude::*;

use crate::components::canvas::Canvas;
use crate::components::event_log::EventLog;
use crate::components::share::{page_base, use_open_link};
use crate::components::timebar::TimeBar;
use crate::embed::{EmbedOptions, Theme};
use crate::hooks;
use crate::share::decode_fragment;
use crate::state::{scene, Action, AppState, Level};

/// Whether a read-only embed lets the reader do this: time, view and
/// reading, yes; anything that changes the scene, no (the host page's
/// commands do not pass through here).
pub fn readonly_allows(a: &Action) -> bool {
    !matches!(
        a,
        Action::Submit(..)
            | Action::MoveNode(..)
            | Action::NudgeNode(..)
            | Action::AutoLayout
            | Action::LoadBuiltIn(_)
            | Action::LoadSceneText(_)
            | Action::OpenScene(..)
            | Action::PublishSelected
            | Action::ToggleSelectedConsumer
            | Action::KillSelected
            | Action::DeleteSelected
            | Action::OpenDialog(_)
    )
}

/// The state an embed starts from: the default scene, or an empty one
/// while the link's scene is being unpacked (rather than show the wrong
/// scene for a moment).
fn initial(opts: &EmbedOptions) -> AppState {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let mut s = match decode_fragment(&hash) {
        Ok(None) => AppState::default(),
        _ => AppState::with_scene(scene::Scene::default()).unwrap_or_default(),
    };
    s.clock.playing = opts.autoplay;
    s.ui.fit_whole = true;
    s
}

/// The embed's root component.
// About 85 lines, kept whole as `App` is: the embed's layout in one `html!`
// block, its effects already hooks of their own.
#[function_component(EmbedApp)]
pub fn embed_app() -> Html {
    let opts = use_memo((), |_| EmbedOptions::of_page());
    let state = {
        let opts = opts.clone();
        hooks::use_store(move || initial(&opts))
    };
    let raw = state.dispatcher();
    let on: Callback<Action> = {
        let readonly = opts.readonly;
        let raw = raw.clone();
        (*use_memo(readonly, move |readonly| {
            let readonly = *readonly;
            Callback::from(move |a: Action| {
                // `P` is the lesson's Back, else "publish from the
                // selected producer": read-only keeps only the first.
                let a = match a {
                    Action::PrevKey if readonly => Action::LessonBack,
                    a => a,
                };
                if !readonly || readonly_allows(&a) {
                    raw.emit(a);
                } else if matches!(a, Action::Submit(..) | Action::MoveNode(..)) {
                    raw.emit(Action::Notify(
                        Level::Info,
                        "This embedded playground is read-only.".into(),
                    ));
                }
            })
        }))
        .clone()
    };
    hooks::use_wall_clock(raw.clone());
    hooks::use_shortcuts(on.clone());
    use_open_link(raw.clone(), true);
    use_refit_on_resize(raw.clone());
    crate::host_api::use_host_api(raw.clone(), state.latest(), (*opts).clone());
    use_start_step(raw.clone(), opts.step, state.player.is_some());

    let view = state.world.view().clone();
    let ui = &state.ui;
    let marks = state.timeline_marks();
    let entities: Vec<String> = view.topology.nodes.iter().map(|n| n.key.clone()).collect();
    let class = classes!(
        "app",
        "embed",
        opts.hide_log.then_some("no-log"),
        opts.readonly.then_some("readonly"),
        (opts.theme == Theme::Dark).then_some("theme-dark"),
    );
    let full = {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        format!("{}{hash}", page_base())
    };
    let start = state.timeline.start();
    html! {
        <div class={class} id="app">
            <header class="topbar">
                <strong class="embed-title" id="scene-name">{ if start.name.is_empty() { "Warren".to_owned() } else { start.name.clone() } }</strong>
                <TimeBar playing={state.clock.playing} speed={state.clock.speed} now={state.now().ms()}
                    origin={state.timeline.origin().ms()} horizon={state.timeline.horizon().ms()}
                    marks={marks} on={on.clone()} />
                <a class="open-full" id="open-full" href={full} target="_blank" rel="noopener noreferrer"
                   title="Open this scene in the full playground">{ "Open in Warren ↗" }</a>
            </header>
            if let Some(player) = &state.player {
                { crate::components::lesson_bar::lesson_bar(player, &start.name, &on) }
            }
            <Canvas view={view.clone()} layout={state.layout.clone()} selection={ui.selection.clone()}
                route={ui.route.clone()} anim={state.anim.clone()} viewport={ui.viewport}
                fit_request={ui.fit_request} snapshot={false} on={on.clone()} />
            if !opts.hide_log {
                <EventLog log={ui.log.clone()} filter={ui.log_filter.clone()}
                    entities={entities} on={on.clone()} />
            }
            <div id="notice" role="status" aria-live="polite">{ for crate::notice(ui.notice.clone(), &raw) }</div>
        </div>
    }
}

/// `step=N`: once the scene's lesson is there (a link's scene arrives
/// after the first render), goes to that step, once.
#[hook]
fn use_start_step(on: Callback<Action>, step: Option<u32>, has_lesson: bool) {
    let done = use_mut_ref(|| false);
    use_effect_with(has_lesson, move |has_lesson| {
        let already = *done.borrow();
        if let (true, false, Some(n)) = (*has_lesson, already, step) {
            *done.borrow_mut() = true;
            on.emit(Action::LessonGoto(n as usize));
        }
    });
}

/// Fits the scene again whenever the frame changes size (the host page's
/// layout decides it).
#[hook]
fn use_refit_on_resize(on: Callback<Action>) {
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|w| {
            EventListener::new(&w, "resize", move |_| {
                let size = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("canvas"))
                    .map(|el| {
                        let r = el.get_bounding_client_rect();
                        (r.width(), r.height())
                    });
                if let Some((w, h)) = size {
                    on.emit(Action::FitView(w, h));
                }
            })
        });
        move || drop(listener)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Command, FormId, Selection};

    #[test]
    fn read_only_keeps_time_and_view_and_refuses_changes() {
        for a in [
            Action::Play,
            Action::Pause,
            Action::Step,
            Action::Scrub(10),
            Action::Restart,
            Action::Select(Selection::None),
            Action::ZoomBy(1.2, (100.0, 100.0)),
            Action::DismissNotice,
        ] {
            assert!(readonly_allows(&a), "{a:?}");
        }
        for a in [
            Action::Submit(FormId::Controls, Command::PublishFrom("web shop".into())),
            Action::MoveNode("queue:q".into(), 1.0, 2.0),
            Action::AutoLayout,
            Action::PublishSelected,
            Action::KillSelected,
            Action::DeleteSelected,
            Action::LoadBuiltIn("topic-logs".into()),
        ] {
            assert!(!readonly_allows(&a), "{a:?}");
        }
    }
}
