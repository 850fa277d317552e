//! The event log: every broker event, newest first, filterable by entity,
//! kind and text. The log itself is a bounded ring buffer in the state.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::state::{Action, LogEntry, LogFilter, KINDS};

/// Most rows drawn.
pub const ROWS: usize = 200;

/// Event log props.
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// The rows to show (already filtered, newest first).
    pub rows: Vec<Rc<LogEntry>>,
    /// Entries kept in the ring buffer.
    pub kept: usize,
    /// Entries dropped from it.
    pub dropped: u64,
    /// The filter.
    pub filter: LogFilter,
    /// Node keys to filter by.
    pub entities: Vec<String>,
    /// Intents.
    pub on: Callback<Action>,
}

/// The event log.
#[function_component(EventLog)]
pub fn event_log(p: &EventLogProps) -> Html {
    let set = |f: fn(&mut LogFilter, String)| {
        let on = p.on.clone();
        let cur = p.filter.clone();
        move |v: String| {
            let mut next = cur.clone();
            f(&mut next, v);
            on.emit(Action::SetLogFilter(next));
        }
    };
    let on_entity = {
        let s = set(|f, v| f.entity = v);
        Callback::from(move |e: Event| s(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_kind = {
        let s = set(|f, v| f.kind = v);
        Callback::from(move |e: Event| s(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_text = {
        let s = set(|f, v| f.text = v);
        Callback::from(move |e: InputEvent| {
            s(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let clear = {
        let on = p.on.clone();
        Callback::from(move |_: MouseEvent| on.emit(Action::ClearLog))
    };
    let chip = |key: &str| {
        let on = p.on.clone();
        let cur = p.filter.clone();
        let key = key.to_owned();
        Callback::from(move |_: MouseEvent| {
            on.emit(Action::SetLogFilter(LogFilter {
                entity: key.clone(),
                ..cur.clone()
            }))
        })
    };
    html! {
        <section class="event-log" id="event-log" aria-label="Event log">
            <div class="log-head">
                <h2>{ "Events" }</h2>
                <label for="log-filter-entity" class="sr-only">{ "Entity" }</label>
                <select id="log-filter-entity" onchange={on_entity} aria-label="Filter by entity">
                    <option value="" selected={p.filter.entity.is_empty()}>{ "every entity" }</option>
                    { for p.entities.iter().map(|k| html! {
                        <option value={k.clone()} selected={p.filter.entity == *k}>{ k.clone() }</option>
                    }) }
                    if !p.filter.entity.is_empty() && !p.entities.contains(&p.filter.entity) {
                        <option value={p.filter.entity.clone()} selected=true>{ p.filter.entity.clone() }</option>
                    }
                </select>
                <select id="log-filter-kind" onchange={on_kind} aria-label="Filter by kind">
                    <option value="" selected={p.filter.kind.is_empty()}>{ "every kind" }</option>
                    { for KINDS.iter().map(|k| html! {
                        <option value={*k} selected={p.filter.kind == *k}>{ *k }</option>
                    }) }
                </select>
                <input type="search" id="log-filter-text" placeholder="text… (L)" aria-label="Filter by text"
                       value={p.filter.text.clone()} oninput={on_text} />
                <span class="dim count" aria-live="off">
                    { format!("{} kept{}", p.kept, if p.dropped > 0 { format!(", {} older dropped", p.dropped) } else { String::new() }) }
                </span>
                <button type="button" id="log-clear" onclick={clear}>{ "Clear" }</button>
            </div>
            <ol class="log-rows" id="log-rows" aria-live="off">
                if p.rows.is_empty() {
                    <li class="dim">{ "No events match." }</li>
                }
                { for p.rows.iter().map(|e| html! {
                    <li key={e.seq} class={classes!("log-row", format!("k-{}", e.kind))} data-kind={e.kind}>
                        <time>{ format!("{:>8.3}", e.at.ms() as f64 / 1000.0) }</time>
                        <span class="kind">{ e.kind }</span>
                        <span class="text">{ e.text.clone() }</span>
                        <span class="chips">
                            { for e.entities.iter().filter(|k| k.contains(':')).map(|k| html! {
                                <button type="button" class="chip" onclick={chip(k)} title={format!("Show only {k}")}>{ k.clone() }</button>
                            }) }
                        </span>
                    </li>
                }) }
            </ol>
        </section>
    }
}
