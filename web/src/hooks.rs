//! `App`'s state and effects, as hooks: the store, the wall clock and the
//! keyboard. (Saving the scene is a plain effect in `App`.)

mod use_shortcuts;
mod use_store;
mod use_wall_clock;

pub use use_shortcuts::use_shortcuts;
pub use use_store::{use_store, Latest, Store};
pub use use_wall_clock::use_wall_clock;
