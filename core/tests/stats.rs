//! Sampled figures (`warren_core::stats`) against hand-computed values for
//! three scenes: a steady state, a consumer stopped then started, and a
//! dead-letter loop; then the bucket scheme's bound and its independence
//! from how a driver slices time.

use warren_core::methods::QueueDeclare;
use warren_core::stats::{QueueBucket, Stats, BUCKETS, FIRST_WIDTH_MS};
use warren_core::{
    ActorId, Broker, ChannelId, ConsumerPolicy, ConsumerSpec, FieldTable, FieldValue, ProducerSpec,
    SimTime, Simulation,
};

/// The channel a simulated consumer holds.
fn channel_of(sim: &Simulation, id: ActorId) -> ChannelId {
    sim.actor(id)
        .unwrap()
        .as_consumer()
        .unwrap()
        .channel
        .unwrap()
}

/// A broker with `queues` declared, each with its arguments.
fn scene(queues: &[(&str, FieldTable)]) -> Simulation {
    let mut broker = Broker::new();
    let ch = broker.connect();
    for (name, arguments) in queues {
        let m = QueueDeclare {
            queue: (*name).into(),
            arguments: arguments.clone(),
            ..Default::default()
        };
        broker.queue_declare(ch, &m).unwrap();
    }
    Simulation::new(broker, 1)
}

fn producer(sim: &mut Simulation, queue: &str, rate: f64) -> ActorId {
    let mut p = ProducerSpec::new("shop", "", queue);
    p.rate_per_sec = Some(rate);
    sim.add_producer(p).unwrap()
}

fn consumer(sim: &mut Simulation, queue: &str, ms: u64, policy: ConsumerPolicy) -> ActorId {
    let mut c = ConsumerSpec::new("printer", queue);
    c.prefetch = 1;
    c.processing_ms = ms;
    c.policy = policy;
    sim.add_consumer(c).unwrap()
}

/// The sum of `f` over the four 250 ms buckets of second `s`.
fn per_second(series: &[QueueBucket], s: usize, f: impl Fn(&QueueBucket) -> u32) -> u32 {
    series[s * 4..s * 4 + 4].iter().map(f).sum()
}

/// Ready messages at the end of second `s` (the bucket ending at its last ms).
fn ready_at_end_of(series: &[QueueBucket], s: usize) -> u32 {
    series[s * 4 + 3].ready
}

fn args(pairs: &[(&str, FieldValue)]) -> FieldTable {
    let mut t = FieldTable::new();
    for (k, v) in pairs {
        t.insert(*k, v.clone());
    }
    t
}

/// A producer at 10/s into a queue whose prefetch-1 consumer takes 200 ms
/// a message: publish 10/s, deliver and ack 5/s, ready growing by 5 a
/// second, one unacked, and the consumer never free (utilisation 0).
#[test]
fn steady_state() {
    let mut sim = scene(&[("orders", FieldTable::new())]);
    let mut stats = Stats::new(sim.now());
    consumer(&mut sim, "orders", 200, ConsumerPolicy::Ack);
    producer(&mut sim, "orders", 10.0);
    stats.run_until(&mut sim, SimTime(10_000));
    assert_eq!(stats.width_ms(), FIRST_WIDTH_MS);
    let q = stats.queue("orders").unwrap();
    for s in 1..10 {
        assert_eq!(per_second(q, s, |b| b.publish), 10, "publish, second {s}");
        assert_eq!(per_second(q, s, |b| b.deliver), 5, "deliver, second {s}");
        assert_eq!(per_second(q, s, |b| b.ack), 5, "ack, second {s}");
        assert_eq!(per_second(q, s, |b| b.redeliver), 0);
        // Published at 0, 100, … (10 s); delivered at 0, 200, … (5 s).
        assert_eq!(
            ready_at_end_of(q, s),
            5 * (s as u32 + 1),
            "ready, second {s}"
        );
        assert_eq!(q[s * 4 + 3].unacked, 1);
    }
    assert_eq!(
        stats.totals()[..40],
        q[..40],
        "one queue: totals are its figures"
    );
    let ch = channel_of(&sim, ActorId(1));
    let c = stats.consumer(ch, "printer").unwrap();
    for b in &c[..40] {
        assert_eq!((b.unacked, b.prefetch), (1, 1));
        assert_eq!(b.utilisation_permille(), Some(0), "always at its prefetch");
    }
    let delivered: u32 = c[4..8].iter().map(|b| b.delivered).sum();
    let acked: u32 = c[4..8].iter().map(|b| b.acked).sum();
    assert_eq!((delivered, acked), (5, 5));
}

/// A producer at 2/s and a consumer taking 200 ms: busy 400 ms a second,
/// free for the other 600: utilisation 60 %.
#[test]
fn utilisation_is_the_share_of_time_not_at_prefetch() {
    let mut sim = scene(&[("orders", FieldTable::new())]);
    let mut stats = Stats::new(sim.now());
    let id = consumer(&mut sim, "orders", 200, ConsumerPolicy::Ack);
    producer(&mut sim, "orders", 2.0);
    stats.run_until(&mut sim, SimTime(4_000));
    let ch = channel_of(&sim, id);
    let c = stats.consumer(ch, "printer").unwrap();
    // Deliveries at 0 and 500, each held 200 ms: [0,250) is blocked 200 ms.
    assert_eq!(c[0].utilisation_permille(), Some(200));
    assert_eq!(c[1].utilisation_permille(), Some(1000));
    let (alive, blocked) = c[4..8]
        .iter()
        .fold((0, 0), |(a, b), x| (a + x.alive_ms, b + x.blocked_ms));
    assert_eq!((alive, blocked), (1000, 400));
}

/// A fast consumer (50 ms a message) stopped at 2.01 s and started at
/// 5.01 s: ready rises by 10 a second while it is stopped, and falls while
/// it drains the backlog at 20 deliveries a second.
#[test]
fn stopped_consumer() {
    let mut sim = scene(&[("orders", FieldTable::new())]);
    let mut stats = Stats::new(sim.now());
    let printer = consumer(&mut sim, "orders", 50, ConsumerPolicy::Ack);
    producer(&mut sim, "orders", 10.0);
    stats.run_until(&mut sim, SimTime(2_010));
    sim.stop_consumer(printer).unwrap();
    stats.run_until(&mut sim, SimTime(5_010));
    sim.start_consumer(printer).unwrap();
    stats.run_until(&mut sim, SimTime(12_000));
    let q = stats.queue("orders").unwrap();
    assert_eq!(ready_at_end_of(q, 1), 0, "keeping up before the stop");
    // Published at 2.1 s, 2.2 s, …: 9 by 2.999 s, then 10 more a second.
    assert_eq!(ready_at_end_of(q, 2), 9);
    assert_eq!(ready_at_end_of(q, 3), 19);
    assert_eq!(ready_at_end_of(q, 4), 29);
    assert_eq!(per_second(q, 3, |b| b.deliver), 0, "stopped");
    assert_eq!(per_second(q, 4, |b| b.deliver), 0, "stopped");
    // Started at 5.01 s with 30 waiting: one delivery every 50 ms.
    assert_eq!(per_second(q, 5, |b| b.deliver), 20);
    assert_eq!(per_second(q, 6, |b| b.deliver), 20);
    assert!(ready_at_end_of(q, 5) < ready_at_end_of(q, 4));
    assert!(ready_at_end_of(q, 6) < ready_at_end_of(q, 5));
    assert_eq!(ready_at_end_of(q, 10), 0, "drained");
    for s in 0..12 {
        assert_eq!(per_second(q, s, |b| b.publish), 10, "publish, second {s}");
    }
    let ch = channel_of(&sim, printer);
    let c = stats.consumer(ch, "printer").unwrap();
    assert_eq!(
        c[13].utilisation_permille(),
        None,
        "not registered at 3.25 s"
    );
    assert_eq!(c[13].delivered, 0);
}

/// One message rejected by `work`'s consumer after 100 ms, dead-lettered
/// to `retry`, expired there after 1 s and dead-lettered back: a loop with
/// a period of 1.1 s.
#[test]
fn dead_letter_loop() {
    let work = args(&[
        ("x-dead-letter-exchange", FieldValue::LongStr(String::new())),
        (
            "x-dead-letter-routing-key",
            FieldValue::LongStr("retry".into()),
        ),
    ]);
    let retry = args(&[
        ("x-message-ttl", FieldValue::I32(1000)),
        ("x-dead-letter-exchange", FieldValue::LongStr(String::new())),
        (
            "x-dead-letter-routing-key",
            FieldValue::LongStr("work".into()),
        ),
    ]);
    let mut sim = scene(&[("work", work), ("retry", retry)]);
    let mut stats = Stats::new(sim.now());
    consumer(&mut sim, "work", 100, ConsumerPolicy::RejectDrop);
    let shop = sim
        .add_producer(ProducerSpec::new("shop", "", "work"))
        .unwrap();
    sim.publish(shop).unwrap();
    stats.run_until(&mut sim, SimTime(11_000));
    let sum = |q: &[QueueBucket], f: fn(&QueueBucket) -> u32| q[..44].iter().map(f).sum::<u32>();
    let (w, r) = (stats.queue("work").unwrap(), stats.queue("retry").unwrap());
    // Rejected at 0.1 s, 1.2 s, … 10.0 s; expired at 1.1 s, … 9.9 s.
    assert_eq!(sum(w, |b| b.dead_letter), 10);
    assert_eq!(sum(r, |b| b.dead_letter), 9);
    assert_eq!(sum(w, |b| b.publish), 1 + 9);
    assert_eq!(sum(r, |b| b.publish), 10);
    assert_eq!(sum(w, |b| b.deliver), 10);
    assert_eq!(
        sum(w, |b| b.redeliver),
        0,
        "a dead-lettered copy is a new message"
    );
    assert_eq!(
        sum(stats.totals(), |b| b.publish),
        1,
        "one message published"
    );
    assert_eq!(sum(stats.totals(), |b| b.dead_letter), 19);
    // Delivered at 0, rejected at 0.1 s: waiting in retry at 0.249 s.
    assert_eq!((w[0].deliver, w[0].unacked, r[0].ready), (1, 0, 1));
    // Back in work at 1.1 s, rejected at 1.2 s: in retry again at 1.249 s.
    assert_eq!((w[4].deliver, w[4].unacked, r[4].ready), (1, 0, 1));
    assert_eq!(
        (w[3].deliver, r[3].dead_letter),
        (0, 0),
        "waiting out its TTL"
    );
}

/// However long the run, a series holds at most `BUCKETS` buckets, and
/// merging keeps the counts.
#[test]
fn memory_is_bounded_and_merging_keeps_counts() {
    let mut sim = scene(&[("orders", FieldTable::new())]);
    let mut stats = Stats::new(sim.now());
    let shop = producer(&mut sim, "orders", 10.0);
    stats.run_until(&mut sim, SimTime(100_000));
    assert!(stats.len() <= BUCKETS);
    assert_eq!(
        stats.width_ms(),
        4 * FIRST_WIDTH_MS,
        "30 s, then 60 s, then 120 s"
    );
    let published = sim.actor(shop).unwrap().as_producer().unwrap().published;
    let counted: u32 = stats.totals().iter().map(|b| b.publish).sum();
    assert_eq!(u64::from(counted), published);
    let last_full = stats.index_at(SimTime(99_999)) - 1;
    assert_eq!(
        stats.queue("orders").unwrap()[last_full].ready,
        stats.start_of(last_full + 1).0 as u32 / 100
    );
}

/// Sliced into 17 ms frames or run at once, the series are the same.
#[test]
fn series_do_not_depend_on_how_time_is_sliced() {
    let run = |frame: u64| {
        let mut sim = scene(&[("orders", FieldTable::new())]);
        let mut stats = Stats::new(sim.now());
        consumer(&mut sim, "orders", 130, ConsumerPolicy::Ack);
        producer(&mut sim, "orders", 13.0);
        let mut t = 0;
        while t < 40_000 {
            t = (t + frame).min(40_000);
            stats.run_until(&mut sim, SimTime(t));
        }
        (
            stats.totals().to_vec(),
            stats.queue("orders").unwrap().to_vec(),
        )
    };
    assert_eq!(run(17), run(40_000));
}

/// A stream's log is its ready count, as the management API reports a
/// stream's `messages_ready`: a producer at 10/s and a fast reader, and
/// the count still grows by 10 a second, since reading removes nothing.
#[test]
fn a_streams_log_counts_as_ready() {
    let mut broker = Broker::new();
    let ch = broker.connect();
    let m = QueueDeclare {
        queue: "events".into(),
        durable: true,
        arguments: args(&[("x-queue-type", FieldValue::str("stream"))]),
        ..Default::default()
    };
    broker.queue_declare(ch, &m).unwrap();
    let mut sim = Simulation::new(broker, 1);
    let mut stats = Stats::new(sim.now());
    let mut c = ConsumerSpec::new("reader", "events");
    c.prefetch = 10;
    c.stream_offset = Some(FieldValue::str("first"));
    sim.add_consumer(c).unwrap();
    producer(&mut sim, "events", 10.0);
    stats.run_until(&mut sim, SimTime(5_000));
    let q = stats.queue("events").unwrap();
    for s in 1..5 {
        assert_eq!(ready_at_end_of(q, s), 10 * (s as u32 + 1), "second {s}");
        assert_eq!(per_second(q, s, |b| b.deliver), 10, "deliver, second {s}");
    }
    sim.broker().check_invariants().unwrap();
}
