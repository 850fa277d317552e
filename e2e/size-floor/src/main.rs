//! One page per layer of the playground, to measure what each costs: see
//! `measure.sh` and e2e/bench.md ("What the wasm is made of"). Each variant
//! renders a line of text and has one control, so that the layer it adds is
//! reached (not dropped as dead code) and nothing else is.

use yew::prelude::*;

#[cfg(not(any(
    feature = "yew",
    feature = "broker",
    feature = "scene",
    feature = "world",
    feature = "reducer"
)))]
compile_error!("build one layer: --features yew|broker|scene|world|reducer (see measure.sh)");

/// Yew alone: a click counter.
#[cfg(feature = "yew")]
#[function_component(Floor)]
fn floor() -> Html {
    let n = use_state(|| 0u64);
    let m = n.clone();
    html! {
        <div>
            <p>{ format!("{} clicks", *n) }</p>
            <button onclick={move |_| m.set(*m + 1)}>{ "+" }</button>
        </div>
    }
}

/// The core broker driven by hand: the order flow's topology, and each click
/// publishes two orders, delivers and acks them.
#[cfg(feature = "broker")]
#[function_component(Floor)]
fn floor() -> Html {
    use warren_core::methods::{
        BasicAck, BasicConsume, BasicPublish, ExchangeDeclare, QueueBind, QueueDeclare,
    };
    use warren_core::{Broker, EventKind, SimTime};
    let broker = use_mut_ref(|| {
        let mut b = Broker::default();
        let ch = b.connect();
        let declare = ExchangeDeclare {
            exchange: "order".into(),
            ..Default::default()
        };
        b.exchange_declare(ch, &declare).expect("declare");
        for k in ["notify", "report"] {
            let queue = format!("order_{k}");
            let declare = QueueDeclare {
                queue: queue.clone(),
                ..Default::default()
            };
            b.queue_declare(ch, &declare).expect("declare");
            let bind = QueueBind {
                queue: queue.clone(),
                exchange: "order".into(),
                routing_key: format!("order.{k}"),
                ..Default::default()
            };
            b.queue_bind(ch, &bind).expect("bind");
            let consume = BasicConsume {
                queue,
                ..Default::default()
            };
            b.basic_consume(ch, &consume).expect("consume");
        }
        (b, ch)
    });
    let events = use_state(|| 0usize);
    let onclick = {
        let events = events.clone();
        move |_| {
            let mut s = broker.borrow_mut();
            let (b, ch) = &mut *s;
            let ch = *ch;
            b.advance_to(SimTime(b.now().ms() + 100));
            for k in ["notify", "report"] {
                let publish = BasicPublish {
                    exchange: "order".into(),
                    routing_key: format!("order.{k}"),
                    body: "order".into(),
                    ..Default::default()
                };
                b.basic_publish(ch, &publish).expect("publish");
            }
            let mut n = 0;
            while let Some(e) = b.poll_event() {
                n += 1;
                if let EventKind::Delivered { delivery_tag, .. } = e.kind {
                    let ack = BasicAck {
                        delivery_tag,
                        multiple: false,
                    };
                    let _ = b.basic_ack(ch, &ack);
                }
            }
            events.set(*events + n);
        }
    };
    html! {
        <div>
            <p>{ format!("{} events", *events) }</p>
            <button {onclick}>{ "Place order" }</button>
        </div>
    }
}

/// The core broker loaded from the default scene's JSON by the web's scene
/// reader; each click moves virtual time on.
#[cfg(feature = "scene")]
#[function_component(Floor)]
fn floor() -> Html {
    use warren_core::{Broker, SimTime};
    use warren_web::state::scene;
    let broker = use_mut_ref(|| {
        let mut b = Broker::default();
        scene::apply(&scene::default_scene(), &mut b).expect("the default scene loads");
        b
    });
    let now = use_state(|| 0u64);
    let onclick = {
        let now = now.clone();
        let broker = broker.clone();
        move |_| {
            broker.borrow_mut().advance_to(SimTime(*now + 100));
            now.set(*now + 100);
        }
    };
    html! {
        <div>
            <p>{ format!("{} at {:?}", *now, broker.borrow().now()) }</p>
            <button {onclick}>{ "+100 ms" }</button>
        </div>
    }
}

/// The web's `World` (the simulation with its actors, the event log and
/// the view model) on the default scene, moved on by a timer.
#[cfg(feature = "world")]
#[function_component(Floor)]
fn floor() -> Html {
    use warren_core::SimTime;
    use warren_web::state::{scene, World};
    let world =
        use_mut_ref(|| World::load(&scene::default_scene()).expect("the default scene loads"));
    let now = use_state(|| 0u64);
    {
        let world = world.clone();
        let now = now.clone();
        use_effect_with((), move |_| {
            let tick = gloo_timers::callback::Interval::new(100, move || {
                let mut w = world.borrow_mut();
                let t = w.now().ms() + 100;
                w.run_until(SimTime(t));
                w.refresh();
                now.set(t);
            });
            move || drop(tick)
        });
    }
    let nodes = world.borrow().view().topology.nodes.len();
    html! { <p>{ format!("{nodes} nodes at {}", *now) }</p> }
}

/// The whole state: `AppState` behind `use_store`, restored from storage,
/// on the wall clock, with one action button.
#[cfg(feature = "reducer")]
#[function_component(Floor)]
fn floor() -> Html {
    use warren_web::state::{Action, AppState};
    let state =
        warren_web::hooks::use_store(|| AppState::restore(warren_web::storage::load().as_deref()));
    warren_web::hooks::use_wall_clock(state.dispatcher());
    let on = state.dispatcher();
    let nodes = state.world.view().topology.nodes.len();
    html! {
        <div>
            <p>{ format!("{nodes} nodes at {}", state.now().ms()) }</p>
            <button onclick={move |_| on.emit(Action::PublishSelected)}>{ "Place order" }</button>
        </div>
    }
}

fn main() {
    yew::Renderer::<Floor>::new().render();
}
