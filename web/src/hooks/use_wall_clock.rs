use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::callback::Interval;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::Action;

/// Shortest wall-clock period of [`Action::Tick`].
pub const TICK_MS: u32 = 40;

/// Period of the fallback timer, for when the browser runs no animation
/// frames (a background tab).
const FALLBACK_MS: u32 = 250;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

type FrameCallback = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;

fn request_frame(callback: &FrameCallback) -> Option<i32> {
    let window = web_sys::window()?;
    let callback = callback.borrow();
    window
        .request_animation_frame(callback.as_ref()?.as_ref().unchecked_ref())
        .ok()
}

/// The wall clock, the one place time comes from: on the first animation
/// frame at least [`TICK_MS`] after the last tick it dispatches
/// [`Action::Tick`] with the milliseconds really elapsed.
///
/// Ticking at the start of a frame gives the tick's work (the broker, then
/// the render) the whole frame; a timer firing mid-frame made that frame
/// late. Browsers run no frames in a background tab, so a slower timer
/// ticks whenever frames stop (as late as the browser runs it there).
/// Both are owned by the effect; unmounting stops them.
#[hook]
pub fn use_wall_clock(dispatcher: Callback<Action>) {
    use_effect_with((), move |_| {
        let last = Rc::new(Cell::new(now_ms()));
        let tick: Rc<dyn Fn(f64, f64)> = {
            let last = last.clone();
            Rc::new(move |t: f64, at_least: f64| {
                let dt = t - last.get();
                if dt >= at_least {
                    dispatcher.emit(Action::Tick(dt));
                    last.set(t);
                }
            })
        };
        let frame: FrameCallback = Rc::new(RefCell::new(None));
        let handle = Rc::new(Cell::new(None));
        *frame.borrow_mut() = Some(Closure::new({
            let frame = frame.clone();
            let handle = handle.clone();
            let tick = tick.clone();
            move |_: f64| {
                tick(now_ms(), f64::from(TICK_MS));
                handle.set(request_frame(&frame));
            }
        }));
        handle.set(request_frame(&frame));
        let fallback = Interval::new(FALLBACK_MS, move || {
            tick(now_ms(), f64::from(FALLBACK_MS));
        });
        move || {
            if let (Some(w), Some(h)) = (web_sys::window(), handle.get()) {
                let _ = w.cancel_animation_frame(h);
            }
            // Breaks the callback's reference to itself.
            frame.borrow_mut().take();
            drop(fallback);
        }
    });
}
