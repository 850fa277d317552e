use std::cell::RefCell;
use std::ops::Deref;
use std::rc::{Rc, Weak};

use yew::prelude::*;

/// The state as `App` reads it during one render, and the callback that
/// changes it. Hold it no longer than the render: a state still held when
/// the next action comes is copied whole (see [`use_store`]); effects take
/// a [`Latest`] instead.
pub struct Store<T: Reducible> {
    value: Rc<T>,
    cell: Rc<RefCell<Option<Rc<T>>>>,
    dispatch: Callback<T::Action>,
}

impl<T: Reducible> Store<T> {
    /// Dispatches actions to the reducer (stable for the component's life).
    pub fn dispatcher(&self) -> Callback<T::Action> {
        self.dispatch.clone()
    }

    /// A way to read the state as it is later on, without holding it.
    pub fn latest(&self) -> Latest<T> {
        Latest(self.cell.clone())
    }
}

/// Reads the store's current state (for effects, which run after the
/// render and may outlive it).
pub struct Latest<T>(Rc<RefCell<Option<Rc<T>>>>);

impl<T> Clone for Latest<T> {
    fn clone(&self) -> Self {
        Self(Rc::clone(&self.0))
    }
}

impl<T> Latest<T> {
    /// Calls `f` with the current state (`None` if called from inside the
    /// reducer, which never happens).
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        self.0.borrow().as_deref().map(f)
    }
}

impl<T: Reducible> Deref for Store<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Reducible> Clone for Store<T> {
    fn clone(&self) -> Self {
        Self {
            value: Rc::clone(&self.value),
            cell: Rc::clone(&self.cell),
            dispatch: self.dispatch.clone(),
        }
    }
}

/// [`use_reducer`], except that the reducer gets the only strong reference
/// to the state whenever no render holds one, so that `Rc::make_mut` in
/// [`Reducible::reduce`] changes the state in place.
///
/// Why: `use_reducer` keeps the current `Rc` while the reducer runs, so
/// `make_mut` always copies the whole state first: every wall-clock tick
/// cloned the broker with every message it holds (a cost that grew with
/// the queues, 50,000 messages after ten seconds at 5,000 msg/s).
///
/// The contract is `use_reducer`'s: a reducer that returns the `Rc` it was
/// given (a no-op) causes no re-render; any other state re-renders. To tell
/// the two apart the hook keeps a [`Weak`] to the state it hands over: with
/// only weak references left, `make_mut` moves the state to a new
/// allocation without cloning it (a shallow move, as its documentation
/// says), so a changed state always has a new address. A state still held
/// elsewhere (a render in progress) is cloned as before.
#[hook]
pub fn use_store<T, F>(init: F) -> Store<T>
where
    T: Reducible + 'static,
    F: FnOnce() -> T,
{
    let rerender = use_force_update();
    let cell: Rc<RefCell<Option<Rc<T>>>> = use_mut_ref(move || Some(Rc::new(init())));
    let dispatch = {
        let cell = cell.clone();
        use_memo((), move |_| {
            Callback::from(move |action: T::Action| {
                // `None` only while a reducer runs; reducers do not dispatch.
                let Some(current) = cell.borrow_mut().take() else {
                    return;
                };
                let given: Weak<T> = Rc::downgrade(&current);
                let next = current.reduce(action);
                let changed = !std::ptr::eq(given.as_ptr(), Rc::as_ptr(&next));
                drop(given);
                *cell.borrow_mut() = Some(next);
                if changed {
                    rerender.force_update();
                }
            })
        })
    };
    let value = cell
        .borrow()
        .clone()
        .expect("the state is back in place between dispatches");
    Store {
        value,
        cell,
        dispatch: (*dispatch).clone(),
    }
}
