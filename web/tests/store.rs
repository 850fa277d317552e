//! `use_store`: the reducer hook that lets `Rc::make_mut` change the state
//! in place. Runs in headless Chromium
//! (`cargo test --target wasm32-unknown-unknown -p warren-web`).
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use warren_web::hooks::use_store;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static CLONES: Cell<u32> = const { Cell::new(0) };
    static RENDERS: Cell<u32> = const { Cell::new(0) };
    static DISPATCH: RefCell<Option<Callback<Act>>> = const { RefCell::new(None) };
}

/// A counter that counts its own clones.
#[derive(Debug)]
struct Counter(u64);

impl Clone for Counter {
    fn clone(&self) -> Self {
        CLONES.with(|c| c.set(c.get() + 1));
        Self(self.0)
    }
}

enum Act {
    Add,
    Nothing,
}

impl Reducible for Counter {
    type Action = Act;

    fn reduce(self: Rc<Self>, action: Act) -> Rc<Self> {
        match action {
            Act::Nothing => self,
            Act::Add => {
                let mut this = self;
                Rc::make_mut(&mut this).0 += 1;
                this
            }
        }
    }
}

#[function_component(Show)]
fn show() -> Html {
    let store = use_store(|| Counter(0));
    RENDERS.with(|r| r.set(r.get() + 1));
    DISPATCH.with(|d| *d.borrow_mut() = Some(store.dispatcher()));
    html! { <p id="count">{ store.0 }</p> }
}

async fn dispatch(a: Act) {
    let cb = DISPATCH.with(|d| d.borrow().clone()).expect("mounted");
    cb.emit(a);
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn actions_change_the_state_in_place_and_a_no_op_does_not_render() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = yew::Renderer::<Show>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    let text = || root.text_content().unwrap_or_default();
    assert_eq!(text(), "0");
    let renders = RENDERS.with(Cell::get);

    for _ in 0..3 {
        dispatch(Act::Add).await;
    }
    assert_eq!(text(), "3");
    assert_eq!(
        RENDERS.with(Cell::get),
        renders + 3,
        "one render per change"
    );
    assert_eq!(CLONES.with(Cell::get), 0, "no copy of the state");

    dispatch(Act::Nothing).await;
    assert_eq!(
        RENDERS.with(Cell::get),
        renders + 3,
        "a no-op renders nothing"
    );
    assert_eq!(text(), "3");

    handle.destroy();
    root.remove();
}
