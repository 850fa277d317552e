use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::callback::Interval;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::Action;

/// Shortest wall-clock period of [`Action::FrameTick`].
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

/// Ticks if at least the given ms passed: (now, at least, which action).
type Ticker = Rc<dyn Fn(f64, f64, fn(f64) -> Action)>;

fn request_frame(callback: &FrameCallback) -> Option<i32> {
    let window = web_sys::window()?;
    let callback = callback.borrow();
    window
        .request_animation_frame(callback.as_ref()?.as_ref().unchecked_ref())
        .ok()
}

/// The wall clock, the one place time comes from: on the first animation
/// frame at least [`TICK_MS`] after the last tick it dispatches
/// [`Action::FrameTick`] with the milliseconds really elapsed (a frame runs
/// a bounded step; the fallback timer's [`Action::Tick`] runs all of it).
///
/// Ticking at the start of a frame gives the tick's work (the broker, then
/// the render) the whole frame; a timer firing mid-frame made that frame
/// late. Browsers run no frames in a background tab, so a slower timer
/// ticks whenever frames stop (as late as the browser runs it there).
/// Both are owned by the effect; unmounting stops them.
///
/// The clock starts at the first animation frame, not at mount: until the
/// page is first painted nothing can be seen moving, and a tick there (the
/// fallback timer's, while the first frame is still being laid out and
/// rastered) only made the first paint later.
#[hook]
pub fn use_wall_clock(dispatcher: Callback<Action>) {
    use_effect_with((), move |_| {
        // The time of the last tick, or `None` until the first frame.
        let last: Rc<Cell<Option<f64>>> = Rc::new(Cell::new(None));
        // The time of the last animation frame, or `None` until the first.
        let last_frame: Rc<Cell<Option<f64>>> = Rc::new(Cell::new(None));
        let tick = {
            let last = last.clone();
            move |t: f64, at_least: f64, action: fn(f64) -> Action| {
                let Some(prev) = last.get() else { return };
                let dt = t - prev;
                if dt >= at_least {
                    dispatcher.emit(action(dt));
                    last.set(Some(t));
                }
            }
        };
        let tick: Ticker = Rc::new(tick);
        let frame: FrameCallback = Rc::new(RefCell::new(None));
        let handle = Rc::new(Cell::new(None));
        *frame.borrow_mut() = Some(Closure::new({
            let frame = frame.clone();
            let handle = handle.clone();
            let tick = tick.clone();
            let last = last.clone();
            let last_frame = last_frame.clone();
            move |_: f64| {
                let t = now_ms();
                if last.get().is_none() {
                    last.set(Some(t));
                }
                last_frame.set(Some(t));
                tick(t, f64::from(TICK_MS), Action::FrameTick);
                handle.set(request_frame(&frame));
            }
        }));
        handle.set(request_frame(&frame));
        let fallback = Interval::new(FALLBACK_MS, move || {
            let t = now_ms();
            match last_frame.get() {
                // Frames are running: they tick.
                Some(f) if t - f < f64::from(FALLBACK_MS) => {}
                Some(_) => tick(t, f64::from(FALLBACK_MS), Action::Tick),
                // No frame yet (a tab opened in the background): start here.
                None => {
                    last_frame.set(Some(t));
                    last.set(Some(t));
                }
            }
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
