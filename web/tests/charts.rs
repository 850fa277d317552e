//! The charts natively: the figures they draw keep the whole run while
//! scrubbing back and equal what a replay samples; a chart's markup puts
//! the cursor and each lesson step's start on the time axis, and its text
//! alternative says the figures at the cursor.
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use warren_core::SimTime;
use warren_web::components::charts::{queue_charts, ChartCtx, Figures};
use warren_web::state::{Action, AppState, Command, FormId};
use yew::virtual_dom::VNode;
use yew::Reducible;

fn reduce(s: Rc<AppState>, a: Action) -> Rc<AppState> {
    s.reduce(a)
}

fn ready(s: &AppState, queue: &str) -> Vec<u32> {
    s.chart
        .queue(queue)
        .unwrap()
        .iter()
        .map(|b| b.ready)
        .collect()
}

/// The order flow with the printer stopped for four orders, then started.
fn stopped_then_started() -> Rc<AppState> {
    let mut s = reduce(Rc::new(AppState::default()), Action::Pause);
    let cmd = |c| Action::Submit(FormId::Controls, c);
    s = reduce(s, cmd(Command::StopConsumer("printer".into())));
    for _ in 0..4 {
        s = reduce(s, cmd(Command::PublishFrom("web shop".into())));
    }
    s = reduce(s, Action::Play);
    s = reduce(s, Action::Tick(1000.0));
    s = reduce(s, cmd(Command::StartConsumer("printer".into())));
    // 700 ms a report: drained by 2.8 s after the start.
    for _ in 0..8 {
        s = reduce(s, Action::Tick(500.0));
    }
    s
}

#[test]
fn scrubbing_back_keeps_the_whole_run_and_a_replay_samples_the_same() {
    let s = stopped_then_started();
    let whole = ready(&s, "order_report");
    assert_eq!(whole[1], 4, "four reports wait at 0.5 s: {whole:?}");
    assert_eq!(whole.last(), Some(&0), "drained: {whole:?}");
    let horizon = s.now().ms();
    let back = reduce(s.clone(), Action::Scrub(600));
    assert_eq!(back.now(), SimTime(600));
    assert_eq!(ready(&back, "order_report"), whole, "the lines stay whole");
    // The world rebuilt at 0.6 s sampled the same buckets so far.
    let rebuilt = back.world.stats().queue("order_report").unwrap();
    let so_far: Vec<u32> = rebuilt.iter().map(|b| b.ready).collect();
    assert_eq!(so_far[..2], whole[..2]);
    // Forward again by replay: the same series as lived.
    let again = reduce(back, Action::Scrub(horizon));
    assert_eq!(ready(&again, "order_report"), whole);
}

#[test]
fn a_chart_marks_the_cursor_and_each_lesson_step() {
    let s = stopped_then_started();
    let ctx = ChartCtx {
        stats: Figures(s.chart.clone()),
        now: SimTime(600),
        marks: Rc::new(vec![SimTime(0), SimTime(1000)]),
    };
    let VNode::VRaw(raw) = queue_charts(&ctx, "order_report") else {
        panic!("charts are one piece of markup");
    };
    let html = raw.html.to_string();
    // 20 buckets across 240 px at least: 12 px a bucket of 250 ms.
    let span = (s.chart.len() as u64).max(20);
    let x = |ms: u64| ms * 240 / (250 * span);
    assert!(
        html.contains(&format!("M{} 54V62M{} 54V62", x(0), x(1000))),
        "{html}"
    );
    assert!(
        html.contains(&format!("class=\"cursor\" d=\"M{} 0V60\"", x(600))),
        "{html}"
    );
    assert!(
        html.contains("aria-label=\"Queued messages at 0.6 s: ready 4, unacked 0\""),
        "{html}"
    );
}
