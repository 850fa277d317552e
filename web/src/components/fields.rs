//! Form building blocks: a draft (every field as text) kept in a reducer,
//! so quick typing never loses a keystroke, and labelled inputs bound to
//! it. Every input's id is `{form}-{key}`; its label points at it.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::state::drafts::{get, Draft, DEFAULT_EXCHANGE};
use crate::state::CommandError;

/// A form's draft.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DraftState(pub Draft);

/// Changes to a draft.
pub enum DraftMsg {
    /// One field.
    Set(String, String),
    /// Everything (a reset).
    Reset(Draft),
}

impl Reducible for DraftState {
    type Action = DraftMsg;

    fn reduce(self: Rc<Self>, msg: DraftMsg) -> Rc<Self> {
        match msg {
            DraftMsg::Set(k, v) => {
                if self.0.get(&k) == Some(&v) {
                    return self;
                }
                let mut d = self.0.clone();
                d.insert(k, v);
                Rc::new(Self(d))
            }
            DraftMsg::Reset(d) => Rc::new(Self(d)),
        }
    }
}

/// A draft handle.
pub type DraftHandle = UseReducerHandle<DraftState>;

/// An exchange's name as the forms and the panels show it: the default
/// exchange (no name) as [`DEFAULT_EXCHANGE`], which the forms read back.
pub fn shown_exchange(name: &str) -> String {
    if name.is_empty() {
        DEFAULT_EXCHANGE.to_owned()
    } else {
        name.to_owned()
    }
}

/// A form's draft, reset to `init()` whenever `reset` changes (a
/// successful submit, another entity).
#[hook]
pub fn use_draft<F>(reset: u64, init: F) -> DraftHandle
where
    F: Fn() -> Draft + 'static,
{
    let init = Rc::new(init);
    let draft = {
        let init = init.clone();
        use_reducer(move || DraftState(init()))
    };
    {
        let draft = draft.clone();
        let first = use_mut_ref(|| true);
        use_effect_with(reset, move |_| {
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                draft.dispatch(DraftMsg::Reset(init()));
            }
        });
    }
    draft
}

fn setter(d: &DraftHandle, key: &str) -> Callback<String> {
    let d = d.dispatcher();
    let key = key.to_owned();
    Callback::from(move |v: String| d.dispatch(DraftMsg::Set(key.clone(), v)))
}

fn label_block(id: &str, label: &str, hint: &str, input: Html) -> Html {
    let hint_id = format!("{id}-hint");
    html! {
        <div class="field">
            <label for={id.to_owned()}>{ label.to_owned() }</label>
            { input }
            if !hint.is_empty() {
                <small id={hint_id}>{ hint.to_owned() }</small>
            }
        </div>
    }
}

/// A one-line text input (`list`: a datalist of suggestions).
pub fn text(
    d: &DraftHandle,
    form: &str,
    key: &str,
    label: &str,
    hint: &str,
    list: Option<&str>,
) -> Html {
    let id = format!("{form}-{key}");
    let set = setter(d, key);
    let oninput = Callback::from(move |e: InputEvent| {
        set.emit(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    let described = (!hint.is_empty()).then(|| format!("{id}-hint"));
    let input = html! {
        <input type="text" id={id.clone()} name={key.to_owned()} data-testid={id.clone()}
               value={get(&d.0, key).to_owned()} {oninput} list={list.map(str::to_owned)}
               autocomplete="off" spellcheck="false" aria-describedby={described} />
    };
    label_block(&id, label, hint, input)
}

/// A number input (kept as text: the broker judges odd values).
pub fn number(d: &DraftHandle, form: &str, key: &str, label: &str, hint: &str) -> Html {
    let id = format!("{form}-{key}");
    let set = setter(d, key);
    let oninput = Callback::from(move |e: InputEvent| {
        set.emit(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    let described = (!hint.is_empty()).then(|| format!("{id}-hint"));
    let input = html! {
        <input type="text" inputmode="decimal" id={id.clone()} name={key.to_owned()} data-testid={id.clone()}
               value={get(&d.0, key).to_owned()} {oninput} autocomplete="off" aria-describedby={described} />
    };
    label_block(&id, label, hint, input)
}

/// A multi-line input.
pub fn area(d: &DraftHandle, form: &str, key: &str, label: &str, hint: &str, rows: u32) -> Html {
    let id = format!("{form}-{key}");
    let set = setter(d, key);
    let oninput = Callback::from(move |e: InputEvent| {
        set.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value())
    });
    let described = (!hint.is_empty()).then(|| format!("{id}-hint"));
    let input = html! {
        <textarea id={id.clone()} name={key.to_owned()} data-testid={id.clone()} rows={rows.to_string()}
                  value={get(&d.0, key).to_owned()} {oninput} spellcheck="false" aria-describedby={described} />
    };
    label_block(&id, label, hint, input)
}

/// A checkbox (`"true"`/`"false"`).
pub fn check(d: &DraftHandle, form: &str, key: &str, label: &str, hint: &str) -> Html {
    let id = format!("{form}-{key}");
    let set = setter(d, key);
    let onchange = Callback::from(move |e: Event| {
        set.emit(
            e.target_unchecked_into::<HtmlInputElement>()
                .checked()
                .to_string(),
        )
    });
    html! {
        <div class="field check">
            <input type="checkbox" id={id.clone()} name={key.to_owned()} data-testid={id.clone()}
                   checked={get(&d.0, key) == "true"} {onchange} />
            <label for={id.clone()}>{ label.to_owned() }</label>
            if !hint.is_empty() { <small>{ hint.to_owned() }</small> }
        </div>
    }
}

/// A select of `(value, label)` options.
pub fn select(
    d: &DraftHandle,
    form: &str,
    key: &str,
    label: &str,
    hint: &str,
    options: &[(String, String)],
) -> Html {
    let id = format!("{form}-{key}");
    let set = setter(d, key);
    let onchange = Callback::from(move |e: Event| {
        set.emit(e.target_unchecked_into::<HtmlSelectElement>().value())
    });
    let current = get(&d.0, key).to_owned();
    let known = options.iter().any(|(v, _)| *v == current);
    let input = html! {
        <select id={id.clone()} name={key.to_owned()} data-testid={id.clone()} {onchange}>
            if !known {
                <option value={current.clone()} selected=true>{ if current.is_empty() { "—".to_owned() } else { current.clone() } }</option>
            }
            { for options.iter().map(|(v, l)| html! {
                <option value={v.clone()} selected={*v == current}>{ l.clone() }</option>
            }) }
        </select>
    };
    label_block(&id, label, hint, input)
}

/// A datalist of suggestions.
pub fn datalist(id: &str, values: &[String]) -> Html {
    html! {
        <datalist id={id.to_owned()}>
            { for values.iter().map(|v| html! { <option value={v.clone()} /> }) }
        </datalist>
    }
}

/// Options from plain values.
pub fn options(values: &[String]) -> Vec<(String, String)> {
    values.iter().map(|v| (v.clone(), v.clone())).collect()
}

/// A form's error line: the local problem, else the broker's refusal with
/// its reply code.
pub fn error_line(form: &str, local: Option<&str>, broker: Option<&CommandError>) -> Html {
    let id = format!("{form}-error");
    match (local, broker) {
        (Some(text), _) => html! {
            <p class="form-error" role="alert" id={id.clone()} data-testid={id}>{ text.to_owned() }</p>
        },
        (None, Some(e)) => html! {
            <p class="form-error" role="alert" id={id.clone()} data-testid={id}>
                if let Some(code) = e.code {
                    <span class="code">{ code.to_string() }</span>
                }
                <span class="reply">{ e.text.clone() }</span>
            </p>
        },
        (None, None) => html! {},
    }
}
