//! The browser's side of the host API: the `message` listener, replies,
//! and the events fed from the log after each render.

use std::rc::Rc;

use gloo_events::EventListener;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Window};
use yew::prelude::*;

use super::{host_event, message, parse_command, reply, HostCommand, Keys};
use crate::embed::EmbedOptions;
use crate::hooks::Latest;
use crate::limits;
use crate::share::MAX_SCENE_BYTES;
use crate::state::{Action, AppState, Command, FormId};

/// `scheme://host[:port]` of a URL (`""` for none).
fn origin_of(url: &str) -> String {
    let Some(i) = url.find("://") else {
        return String::new();
    };
    let end = url[i + 3..].find('/').map_or(url.len(), |j| i + 3 + j);
    url[..end].to_owned()
}

/// Who may drive the embed, and where its events go.
struct Origins {
    allowed: Vec<String>,
    /// Where `ready` and the events are posted.
    target: String,
}

impl Origins {
    fn of(w: &Window, opts: &EmbedOptions) -> Self {
        let own = w.location().origin().unwrap_or_default();
        let referrer = w
            .document()
            .map(|d| origin_of(&d.referrer()))
            .unwrap_or_default();
        let mut allowed = vec![own.clone()];
        if !referrer.is_empty() {
            allowed.push(referrer.clone());
        }
        allowed.extend(opts.origins.iter().cloned());
        let target = if !referrer.is_empty() {
            referrer
        } else {
            opts.origins.first().cloned().unwrap_or(own)
        };
        Self { allowed, target }
    }

    fn accepts(&self, origin: &str) -> bool {
        self.allowed.iter().any(|a| a == "*" || a == origin)
    }
}

/// The embedding window, if the page is in a frame.
fn parent(w: &Window) -> Option<Window> {
    let p = w.parent().ok().flatten()?;
    (JsValue::from(&p) != JsValue::from(w)).then_some(p)
}

fn post(to: &Window, v: &Value, origin: &str) {
    if let Ok(js) = js_sys::JSON::parse(&v.to_string()) {
        let _ = to.post_message(&js, origin);
    }
}

/// A message's data as JSON (objects are what hosts send; JSON text is
/// read too).
fn data_json(data: &JsValue) -> Result<Value, String> {
    let text = match data.as_string() {
        Some(s) => s,
        None => js_sys::JSON::stringify(data)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or("the message is not JSON data")?,
    };
    if text.len() > MAX_SCENE_BYTES {
        return Err(format!(
            "the message is {} bytes; at most {MAX_SCENE_BYTES} are read",
            text.len()
        ));
    }
    serde_json::from_str(&text).map_err(|e| format!("the message is not JSON: {e}"))
}

/// Carries out one command. Each runs through the reducer as a click
/// would (synchronously), so the reply can say whether it was refused.
fn perform(
    cmd: HostCommand,
    on: &Callback<Action>,
    latest: &Latest<AppState>,
) -> Result<(), String> {
    let refused = |form: FormId| {
        latest
            .with(|s| s.ui.errors.get(&form).map(ToString::to_string))
            .flatten()
    };
    match cmd {
        HostCommand::Load(text) => {
            let (scene, notes) = limits::read(&text)?;
            AppState::with_scene(scene.clone())?;
            let what = format!("Clamped: {}.", notes.join("; "));
            on.emit(Action::OpenScene(Rc::new(scene), what));
            // The host page chose the scene: nothing to say unless clamped.
            if notes.is_empty() {
                on.emit(Action::DismissNotice);
            }
        }
        HostCommand::Play => on.emit(Action::Play),
        HostCommand::Pause => on.emit(Action::Pause),
        HostCommand::PublishFrom(name) => {
            on.emit(Action::Submit(FormId::Controls, Command::PublishFrom(name)));
            if let Some(e) = refused(FormId::Controls) {
                return Err(e);
            }
        }
        HostCommand::Publish(m) => {
            on.emit(Action::Submit(FormId::Publish, Command::publish(*m)));
            if let Some(e) = refused(FormId::Publish) {
                return Err(e);
            }
        }
        HostCommand::GotoStep(n) => {
            let total = latest
                .with(|s| s.player.as_ref().map(|p| p.total()))
                .flatten();
            match total {
                None => return Err(format!("step {n}: this scene has no lesson")),
                Some(t) if n as usize > t => {
                    return Err(format!("step {n}: the lesson has {t} steps"))
                }
                Some(_) => on.emit(Action::LessonGoto(n as usize)),
            }
        }
    }
    Ok(())
}

/// Listens to the host page and tells it what happens (module doc).
#[hook]
pub fn use_host_api(on: Callback<Action>, latest: Latest<AppState>, opts: EmbedOptions) {
    let keys = use_mut_ref(Keys::default);
    let seen = use_mut_ref(|| 0u64);
    let total = latest.with(|s| s.world.log().total()).unwrap_or(0);
    let feed_latest = latest.clone();
    // The lesson's step, posted whenever it changes (`step` event).
    let step = latest
        .with(|s| s.player.as_ref().map(|p| (p.done(), p.total())))
        .flatten();
    // Where events go: worked out once (the referrer does not change).
    let target = use_memo((), {
        let opts = opts.clone();
        move |_| web_sys::window().map(|w| Origins::of(&w, &opts).target)
    });
    use_effect_with((), move |_| {
        let listener = web_sys::window().and_then(|w| {
            let host = parent(&w)?;
            let origins = Origins::of(&w, &opts);
            let name = latest.with(|s| s.timeline.start().name.clone());
            post(
                &host,
                &message("ready", vec![("scene", json!(name))]),
                &origins.target,
            );
            Some(EventListener::new(&w, "message", move |e| {
                let Some(e) = e.dyn_ref::<MessageEvent>() else {
                    return;
                };
                let from_host = e
                    .source()
                    .is_some_and(|s| JsValue::from(s) == JsValue::from(&host));
                if !from_host || !origins.accepts(&e.origin()) {
                    return;
                }
                let answer = match data_json(&e.data())
                    .map_err(|m| (None, m))
                    .and_then(|v| parse_command(&v))
                {
                    Ok((id, cmd)) => reply(id, perform(cmd, &on, &latest)),
                    Err((id, why)) => reply(id, Err(why)),
                };
                post(&host, &answer, &e.origin());
            }))
        });
        move || drop(listener)
    });
    {
        let target = target.clone();
        use_effect_with(step, move |step| {
            let host = web_sys::window().and_then(|w| parent(&w));
            if let (Some(host), Some(target), Some((done, of))) = (host, target.as_deref(), step) {
                let v = message("step", vec![("step", json!(done)), ("of", json!(of))]);
                post(&host, &v, target);
            }
        });
    }
    use_effect_with(total, move |_| {
        let Some(w) = web_sys::window() else { return };
        let Some(host) = parent(&w) else { return };
        let Some(target) = target.as_deref() else {
            return;
        };
        let mut keys = keys.borrow_mut();
        let mut seen = seen.borrow_mut();
        feed_latest.with(|s| {
            let log = s.world.log();
            if log.total() < *seen {
                *seen = 0;
            }
            for e in log.entries().filter(|e| e.seq >= *seen) {
                if let Some(v) = host_event(e, &mut keys) {
                    post(&host, &v, target);
                }
            }
            *seen = log.total();
        });
    });
}
