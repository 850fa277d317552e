use gloo_timers::callback::Interval;
use yew::prelude::*;

use crate::state::Action;

/// Wall-clock period of [`Action::Tick`].
pub const TICK_MS: u32 = 40;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// The wall clock, the one place time comes from: every [`TICK_MS`] it
/// dispatches [`Action::Tick`] with the milliseconds really elapsed (the
/// browser may run the timer late, or not at all in a background tab).
/// The interval is owned by the effect; dropping it (unmount) stops it.
#[hook]
pub fn use_wall_clock(dispatcher: Callback<Action>) {
    use_effect_with((), move |_| {
        let mut last = now_ms();
        let interval = Interval::new(TICK_MS, move || {
            let t = now_ms();
            dispatcher.emit(Action::Tick(t - last));
            last = t;
        });
        move || drop(interval)
    });
}
