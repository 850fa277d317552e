//! The lesson player: every built-in lesson walked forward in the
//! playground's own state matches the queue counts its expectations state
//! (the same expectations `warren run` checks natively), and Back, Restart,
//! leaving the script and returning rebuild exactly the moments they name.
//! Natively: the lessons are files the page fetches (`web/scenes/`), read
//! here from disk; the e2e tests open them in the browser.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;
use std::rc::Rc;

use warren_scenario::Scenario;
use warren_web::state::scene::LESSONS;
use warren_web::state::{Action, AppState, Command, FormId, Panel};
use yew::Reducible;

mod common;
use common::fingerprint;

fn reduce(s: Rc<AppState>, a: Action) -> Rc<AppState> {
    s.reduce(a)
}

fn file(id: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenes/{id}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn open(id: &str) -> Rc<AppState> {
    let s = reduce(
        Rc::new(AppState::default()),
        Action::LoadLesson {
            id: id.into(),
            text: Ok(file(id)),
        },
    );
    assert!(s.player.is_some(), "{id} opens with its lesson");
    s
}

#[test]
fn the_gallery_lists_every_lesson_file_and_only_those() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read_to_string(p).unwrap().contains("\"lesson\""))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut listed: Vec<String> = LESSONS.iter().map(|l| l.id.to_owned()).collect();
    listed.sort();
    assert_eq!(listed, files);
}

#[test]
fn a_lesson_that_cannot_be_fetched_says_so_and_changes_nothing() {
    let s = Rc::new(AppState::default());
    let before = fingerprint(&s);
    let s = reduce(
        s,
        Action::LoadLesson {
            id: "lesson-topics".into(),
            text: Err("scenes/lesson-topics.json: HTTP 404".into()),
        },
    );
    assert_eq!(fingerprint(&s), before);
    let notice = s.ui.notice.as_ref().expect("a notice");
    assert!(
        notice.text.contains("Topics") && notice.text.contains("404"),
        "{}",
        notice.text
    );
}

/// Next, then the clock runs (50 ms ticks at 1×) until the step's last
/// action is done and the player holds.
fn next(mut s: Rc<AppState>) -> Rc<AppState> {
    s = reduce(s, Action::LessonNext);
    let mut ticks = 0;
    while s.player.as_ref().is_some_and(|p| p.running()) {
        s = reduce(s, Action::Tick(50.0));
        ticks += 1;
        assert!(ticks < 100_000, "a step that never ends");
    }
    assert!(!s.clock.playing, "the player holds at the step's end");
    s
}

fn done(s: &AppState) -> usize {
    s.player.as_ref().map_or(0, |p| p.done())
}

#[test]
fn every_lesson_walked_in_the_playground_shows_what_its_expectations_state() {
    assert!(LESSONS.len() >= 11);
    for b in LESSONS {
        let scenario = Scenario::from_json_str(&file(b.id)).expect("the lesson reads natively");
        let lesson = scenario.lesson.expect("a lesson scene has a lesson");
        let mut s = open(b.id);
        assert_eq!(s.player.as_ref().unwrap().total(), lesson.steps.len());
        for (i, step) in lesson.steps.iter().enumerate() {
            s = next(s);
            assert_eq!(done(&s), i + 1);
            assert_eq!(
                s.player.as_ref().unwrap().caption(),
                Some(step.caption.as_str())
            );
            for (name, want) in &step.expect.queues {
                let real = s.world.alias(name).unwrap_or(name).to_owned();
                let got = s.world.broker().queue(&real);
                let at = format!("{} step {}: queue {real}", b.id, i + 1);
                match (want, got) {
                    (None, None) => {}
                    (None, Some(_)) => panic!("{at} should not exist"),
                    (Some(_), None) => panic!("{at} should exist"),
                    (Some(w), Some(q)) => {
                        if let Some(r) = w.ready {
                            assert_eq!(q.ready, r, "{at}: ready");
                        }
                        if let Some(u) = w.unacked {
                            assert_eq!(q.unacked, u, "{at}: unacked");
                        }
                        if let Some(c) = w.consumers {
                            assert_eq!(q.consumers.len() as u64, c, "{at}: consumers");
                        }
                        if let Some(n) = w.log {
                            assert_eq!(q.log_length, n, "{at}: log");
                        }
                    }
                }
            }
        }
        // One Next too many changes nothing.
        let before = fingerprint(&s);
        let s = reduce(s, Action::LessonNext);
        assert_eq!(fingerprint(&s), before);
    }
}

#[test]
fn back_rebuilds_the_moment_before_the_step_exactly() {
    let mut s = open("lesson-order-flow");
    let start = fingerprint(&s);
    let mut before = Vec::new();
    for _ in 0..s.player.as_ref().unwrap().total() {
        before.push(fingerprint(&s));
        s = next(s);
    }
    let end = fingerprint(&s);
    for i in (0..before.len()).rev() {
        s = reduce(s, Action::LessonBack);
        assert_eq!(done(&s), i);
        assert_eq!(fingerprint(&s), before[i], "back to before step {}", i + 1);
    }
    assert_eq!(fingerprint(&s), start);
    // Walking forward again gives the same run.
    for _ in 0..before.len() {
        s = next(s);
    }
    assert_eq!(fingerprint(&s), end);
    let s = reduce(s, Action::LessonRestart);
    assert_eq!((done(&s), fingerprint(&s)), (0, start));
}

#[test]
fn acting_leaves_the_script_and_return_brings_the_step_back() {
    let s = next(next(open("lesson-order-flow")));
    let at_step_two = fingerprint(&s);
    let s = reduce(
        s,
        Action::Submit(FormId::Controls, Command::PublishFrom("web shop".into())),
    );
    assert!(s.player.as_ref().unwrap().off_script);
    // Next is refused while off the script: nothing happens.
    let off = fingerprint(&s);
    let s = reduce(s, Action::LessonNext);
    assert_eq!((done(&s), fingerprint(&s)), (2, off));
    let s = reduce(s, Action::LessonReturn);
    assert!(!s.player.as_ref().unwrap().off_script);
    let mut s = s;
    while s.player.as_ref().unwrap().running() {
        s = reduce(s, Action::Tick(50.0));
    }
    assert_eq!((done(&s), fingerprint(&s)), (2, at_step_two));
}

#[test]
fn next_while_a_step_plays_finishes_it_first() {
    let s = next(next(open("lesson-order-flow")));
    let s = reduce(s, Action::LessonNext); // step 3 waits 1000 ms
    assert!(s.player.as_ref().unwrap().running());
    let s = next(s);
    assert_eq!(done(&s), 4);
    // Step 4's three reports wait: step 3 was finished before it began.
    assert_eq!(s.world.broker().queue("order_report").unwrap().ready, 3);
}

#[test]
fn why_explains_the_last_publish_even_when_it_was_dropped() {
    let s = next(open("lesson-order-flow"));
    let s = reduce(s, Action::LessonWhy);
    assert_eq!(s.ui.panel, Panel::Route);
    let q = s.ui.route_query.as_ref().expect("a routing question");
    assert_eq!(
        (q.exchange.as_str(), q.routing_key.as_str()),
        ("order", "order.report")
    );
    let why = s.ui.route.as_ref().expect("an answer");
    assert!(why.queues.is_empty(), "nothing matched: {why:?}");
}

#[test]
fn keys_walk_the_lesson_and_keep_their_meaning_without_one() {
    let s = open("lesson-order-flow");
    let s = reduce(s, Action::NextKey);
    assert_eq!(done(&s), 1);
    let s = reduce(s, Action::PrevKey);
    assert_eq!(done(&s), 0);
    // Without a lesson, N steps to the next event and P publishes.
    let plain = reduce(Rc::new(AppState::default()), Action::Pause);
    assert!(plain.player.is_none());
    let s = reduce(plain, Action::PrevKey);
    assert_eq!(s.world.broker().queue("order_report").unwrap().unacked, 1);
}

#[test]
fn the_saved_scene_keeps_its_lesson() {
    let s = next(open("lesson-order-flow"));
    let text = s.scene_text();
    let back = reduce(
        Rc::new(AppState::default()),
        Action::LoadSceneText(text.clone()),
    );
    let p = back.player.as_ref().expect("the lesson came back");
    assert_eq!(p.total(), 6);
    assert!(Scenario::from_json_str(&text)
        .expect("warren run reads it")
        .lesson
        .is_some());
}

#[test]
fn a_lesson_the_playground_cannot_perform_is_refused_with_its_path() {
    let s = reduce(
        Rc::new(AppState::default()),
        Action::LoadSceneText(
            r#"{"lesson": {"steps": [{"caption": "c", "do": [{"op": "basic.get", "queue": "q"}]}]}}"#
                .into(),
        ),
    );
    let e = s.ui.errors.get(&FormId::Scene).expect("refused");
    assert!(e.text.contains("$.lesson.steps[0].do[0]"), "{}", e.text);
    let s = reduce(
        s,
        Action::LoadSceneText(
            r#"{"lesson": {"steps": [{"caption": "c", "do": [{"op": "kill"}]}]}}"#.into(),
        ),
    );
    let e = s.ui.errors.get(&FormId::Scene).expect("refused");
    assert!(e.text.contains("needs \"consumer\""), "{}", e.text);
}

#[test]
fn going_to_a_step_gives_the_state_walking_there_gives() {
    let walked = next(next(next(open("lesson-order-flow"))));
    let s = reduce(open("lesson-order-flow"), Action::LessonGoto(3));
    assert_eq!(done(&s), 3);
    assert!(!s.clock.playing);
    assert_eq!(fingerprint(&s), fingerprint(&walked));
    // Past the end stops at the end; 0 is the start.
    let s = reduce(s, Action::LessonGoto(99));
    assert_eq!(done(&s), 6);
    let s = reduce(s, Action::LessonGoto(0));
    assert_eq!(done(&s), 0);
}
