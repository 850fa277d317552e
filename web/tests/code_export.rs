//! The Code dialog's scripts are the command line's: the playground's
//! export of its live state equals `warren export --format pika` of the
//! scene file it writes, for every built-in scene and after an edit.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::rc::Rc;

use warren_core::methods::QueueDeclare;
use warren_core::{FieldTable, FieldValue};
use warren_web::state::scene::BUILT_IN;
use warren_web::state::{Action, AppState, Command, FormId};
use yew::Reducible;

/// What the CLI writes for the scene text (as `cli/src/export.rs` does).
fn cli_export(scene_text: &str) -> Vec<warren_export::File> {
    let s = warren_scenario::Scenario::from_json_str(scene_text).expect("the core reads it");
    let (broker, _) = s.broker().expect("its definitions load");
    let (producers, consumers) = s.actor_specs().expect("its actors read");
    let model = warren_export::Model::from_broker(&s.name, &broker, producers, consumers);
    warren_export::pika(&model)
}

#[test]
fn the_playground_and_the_command_line_write_the_same_code() {
    for b in BUILT_IN {
        let s = Rc::new(AppState::default()).reduce(Action::LoadBuiltIn(b.id.to_owned()));
        let files = s.code_files();
        assert_eq!(files, cli_export(&s.scene_text()), "{}", b.id);
        assert_eq!(files[0].name, "topology.py");
    }
}

#[test]
fn the_code_follows_the_scene() {
    let s = Rc::new(AppState::default());
    let mut args = FieldTable::new();
    args.insert("x-max-length", FieldValue::I32(7));
    let declare = QueueDeclare {
        queue: "audit \"log\"".into(),
        durable: true,
        arguments: args,
        ..QueueDeclare::default()
    };
    let s = s.reduce(Action::Submit(
        FormId::Controls,
        Command::Amqp(warren_core::Op::QueueDeclare(declare)),
    ));
    let topology = &s.code_files()[0].text;
    assert!(
        topology.contains(
            r#"channel.queue_declare(queue="audit \"log\"", durable=True, arguments={"x-max-length": 7})"#
        ),
        "{topology}"
    );
    assert_eq!(s.code_files(), cli_export(&s.scene_text()));
}
