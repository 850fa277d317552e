//! Warren's playground: a RabbitMQ broker (warren-core) in the browser.
//! `App` lives here, not in `main.rs`, so that the browser tests can mount
//! it.

pub mod state;

use yew::prelude::*;

/// The root component (the playground's UI is being built on `state`).
#[function_component(App)]
pub fn app() -> Html {
    let core_says = warren_core::FieldValue::str("ok").to_string();
    html! {
        <main>
            <h1 id="title">{ "Warren" }</h1>
            <p id="core-status">{ format!("core: {core_says}") }</p>
        </main>
    }
}
