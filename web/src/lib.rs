//! Warren's playground UI. `App` lives here, not in `main.rs`, so that the
//! browser tests can mount it.
//!
//! This is a placeholder that proves the pipeline (core → wasm → trunk →
//! browser); the real playground replaces it.

use yew::prelude::*;

/// The root component.
#[function_component(App)]
pub fn app() -> Html {
    // Any call into warren-core proves that the core links into the wasm.
    let core_says = warren_core::FieldValue::str("ok").to_string();
    html! {
        <main>
            <h1 id="title">{ "Warren" }</h1>
            <p id="core-status">{ format!("core: {core_says}") }</p>
        </main>
    }
}
