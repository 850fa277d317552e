//! Time controls: play/pause, step, speed, restart, and the timeline
//! slider that scrubs back to any earlier moment (recorded actions are
//! marked on it).

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::state::fields::parse_f64;
use crate::state::{Action, SPEEDS};

/// Time bar props.
#[derive(Properties, PartialEq)]
pub struct TimeBarProps {
    /// Whether time runs.
    pub playing: bool,
    /// Speed factor.
    pub speed: f64,
    /// Now, virtual ms.
    pub now: u64,
    /// The first moment.
    pub origin: u64,
    /// The latest moment reached.
    pub horizon: u64,
    /// Recorded actions: (time, description).
    pub marks: Vec<(u64, String)>,
    /// Intents.
    pub on: Callback<Action>,
}

fn seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn speed_label(s: f64) -> String {
    if s < 1.0 {
        format!("{s}×")
    } else {
        format!("{s:.0}×")
    }
}

/// The time bar.
#[function_component(TimeBar)]
pub fn time_bar(p: &TimeBarProps) -> Html {
    let emit = |a: Action| {
        let on = p.on.clone();
        Callback::from(move |_: MouseEvent| on.emit(a.clone()))
    };
    let on_speed = {
        let on = p.on.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(s) = parse_f64(&v) {
                on.emit(Action::SetSpeed(s));
            }
        })
    };
    let on_scrub = {
        let on = p.on.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Some(t) = parse_f64(&v) {
                on.emit(Action::Scrub(t.max(0.0) as u64));
            }
        })
    };
    let span = p.horizon.saturating_sub(p.origin).max(1);
    let behind = p.now < p.horizon;
    html! {
        <div class="timebar" role="toolbar" aria-label="Time">
            <button type="button" id="play" class={classes!("primary", "play")} onclick={emit(Action::TogglePlay)}
                    aria-label={if p.playing { "Pause" } else { "Play" }} title="Play / pause (Space)" aria-pressed={p.playing.to_string()}>
                { if p.playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button type="button" id="step" onclick={emit(Action::Step)} title="Step to the next event (N)" aria-label="Step to the next event">
                { "Step ›" }
            </button>
            <label for="speed" class="sr-only">{ "Speed" }</label>
            <select id="speed" onchange={on_speed} title="Speed ([ and ])" aria-label="Speed">
                { for SPEEDS.iter().map(|s| html! {
                    <option value={s.to_string()} selected={(s - p.speed).abs() < 1e-9}>{ speed_label(*s) }</option>
                }) }
            </select>
            <div class="scrubber">
                <input type="range" id="timeline" aria-label="Timeline: scrub back to any earlier moment"
                       min={p.origin.to_string()} max={p.horizon.max(p.origin + 1).to_string()} step="1"
                       value={p.now.to_string()} oninput={on_scrub}
                       aria-valuetext={format!("{} of {}", seconds(p.now), seconds(p.horizon))} />
                <div class="marks" aria-hidden="true">
                    { for p.marks.iter().map(|(t, what)| {
                        let left = (t.saturating_sub(p.origin)) as f64 / span as f64 * 100.0;
                        html! { <span class="mark" style={format!("left:{left:.2}%")} title={format!("{}: {what}", seconds(*t))}></span> }
                    }) }
                </div>
            </div>
            <output id="clock" class={classes!("clock", behind.then_some("behind"))} aria-live="off"
                    title={if behind { "You are in the past: play replays your recorded actions; a new action discards the later ones." } else { "Virtual time" }}>
                { seconds(p.now) }
                if behind { <span class="dim">{ format!(" / {}", seconds(p.horizon)) }</span> }
            </output>
            <button type="button" id="restart" onclick={emit(Action::Restart)}
                    title="Restart from the current topology: queues empty, clock at 0 (Shift+R)">{ "↺ Restart" }</button>
        </div>
    }
}
