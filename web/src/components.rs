//! The playground's components, one per file. Each takes data and a
//! `Callback<Action>` in its props and emits intents; none touches the
//! core.

pub mod add_panel;
pub mod canvas;
pub mod charts;
pub mod dialogs;
pub mod event_log;
pub mod fields;
pub mod files;
pub mod findings;
pub mod forms;
pub mod inspector;
pub mod lesson_bar;
pub mod message;
pub mod publish;
pub mod route;
pub mod share;
pub mod timebar;
