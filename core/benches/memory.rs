//! Memory per queued message, measured with a counting allocator: how many
//! heap bytes the broker spends per ready message beyond its body, for one
//! queue and for a fan-out to ten queues (where the body is stored once).
//!
//! Run with `cargo bench -p warren-core --bench memory`. Prints figures; no
//! timing involved.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use warren_core::methods::*;
use warren_core::Broker;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator, only counting bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn measure(queues: usize, messages: usize, body: usize) -> f64 {
    let mut b = Broker::new();
    b.set_record_events(false);
    let ch = b.connect();
    b.exchange_declare(
        ch,
        &ExchangeDeclare {
            exchange: "x".into(),
            exchange_type: Some("fanout".into()),
            ..Default::default()
        },
    )
    .unwrap();
    for i in 0..queues {
        let q = format!("q{i}");
        b.queue_declare(
            ch,
            &QueueDeclare {
                queue: q.clone(),
                ..Default::default()
            },
        )
        .unwrap();
        b.queue_bind(
            ch,
            &QueueBind {
                queue: q,
                exchange: "x".into(),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let publish = BasicPublish {
        exchange: "x".into(),
        routing_key: "order.created".into(),
        body: "x".repeat(body),
        ..Default::default()
    };
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..messages {
        b.basic_publish(ch, &publish).unwrap();
    }
    let after = LIVE.load(Ordering::Relaxed);
    assert_eq!(b.queue("q0").unwrap().ready, messages as u64);
    let copies = (messages * queues) as f64;
    let per_copy = (after - before) as f64 / copies;
    let body_per_copy = (messages * body) as f64 / copies;
    per_copy - body_per_copy
}

fn main() {
    // The exchange name and routing key ("x", "order.created") and their
    // two length bytes are message content, stored once per message like
    // the body: 16 bytes.
    let names = 16.0;
    println!("heap bytes per queued copy beyond its body (counting allocator):");
    println!("  queues  messages  body   all    without names (bookkeeping)");
    for (queues, messages, body) in [
        (1, 100_000, 100),
        (1, 131_072, 100),
        (1, 100_000, 4096),
        (10, 100_000, 1000),
    ] {
        let extra = measure(queues, messages, body);
        let without = extra - names / queues as f64;
        println!("  {queues:>6} {messages:>9} {body:>5} {extra:6.1}  {without:6.1}");
    }
    println!("A queue's deque grows by doubling: between powers of two up to 16 bytes per message of spare capacity are included.");
}
