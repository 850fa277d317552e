//! The event log: every broker event, newest first, filterable by entity,
//! kind and text. The log itself is a bounded ring buffer in the state.
//!
//! Of the rows the state offers (up to [`LOG_ROWS`]) the first
//! [`ROWS_AT_ONCE`] are drawn, and more as the person scrolls towards the
//! end: while thousands of events a second go by, every row is new at each
//! refresh, and building rows nobody has scrolled to was most of the cost.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::state::{Action, LogEntry, LogFilter, LogView, KINDS, LOG_ROWS};

/// Rows drawn at first, and added each time the person scrolls near the
/// end of those drawn.
pub const ROWS_AT_ONCE: usize = 24;

/// How close to the end of the drawn rows (px) a scroll draws more.
const NEAR_END_PX: f64 = 120.0;

/// How many rows to draw after the list scrolled to `top` (px), showing
/// `view` px of `height`: more near the end (up to [`LOG_ROWS`]), the
/// first batch again back at the top, else as many as now.
pub fn rows_after_scroll(drawn: usize, top: f64, view: f64, height: f64) -> usize {
    if top <= 0.0 {
        ROWS_AT_ONCE
    } else if top + view >= height - NEAR_END_PX {
        (drawn + ROWS_AT_ONCE).min(LOG_ROWS)
    } else {
        drawn
    }
}

/// Event log props.
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// The rows to show (already filtered, newest first) and the counts.
    pub log: LogView,
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
    let drawn = use_state(|| ROWS_AT_ONCE);
    html! {
        <section class="event-log" id="event-log" aria-label="Event log">
            { log_head(p) }
            <ol class="log-rows" id="log-rows" tabindex="0" aria-label="Events, newest first" aria-live="off"
                onclick={chip_filter(p)} onscroll={draw_more(&drawn)}>
                if p.log.rows.is_empty() {
                    <li class="dim">{ "No events match." }</li>
                }
                // Unkeyed: under load every row is new at each refresh, and
                // keyed by event the list was torn down and built again
                // (about 160 elements four times a second); by position the
                // rows stay and only their text and classes change.
                { for p.log.rows.iter().take(*drawn).map(|e| log_row(e)) }
            </ol>
        </section>
    }
}

/// The filters (entity, kind, text), the count kept and the clear button.
fn log_head(p: &EventLogProps) -> Html {
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
    html! {
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
                { format!("{} kept{}", p.log.kept, if p.log.dropped > 0 { format!(", {} older dropped", p.log.dropped) } else { String::new() }) }
            </span>
            <button type="button" id="log-clear" onclick={clear}>{ "Clear" }</button>
        </div>
    }
}

/// One listener for every row's chips (rows come and go four times a
/// second while time runs): a chip filters the log by its entity.
fn chip_filter(p: &EventLogProps) -> Callback<MouseEvent> {
    let on = p.on.clone();
    let cur = p.filter.clone();
    Callback::from(move |e: MouseEvent| {
        let entity = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|el| el.closest("button.chip").ok().flatten())
            .and_then(|chip| chip.get_attribute("data-entity"));
        if let Some(entity) = entity {
            on.emit(Action::SetLogFilter(LogFilter {
                entity,
                ..cur.clone()
            }));
        }
    })
}

/// Scrolling near the end draws more rows ([`rows_after_scroll`]).
fn draw_more(drawn: &UseStateHandle<usize>) -> Callback<Event> {
    let drawn = drawn.clone();
    Callback::from(move |e: Event| {
        let el: Element = e.target_unchecked_into();
        let n = rows_after_scroll(
            *drawn,
            f64::from(el.scroll_top()),
            f64::from(el.client_height()),
            f64::from(el.scroll_height()),
        );
        if n != *drawn {
            drawn.set(n);
        }
    })
}

/// One event: when, its kind, what happened, and a chip per entity.
fn log_row(e: &LogEntry) -> Html {
    html! {
        <li class={classes!("log-row", format!("k-{}", e.kind))} data-kind={e.kind}>
            <time>{ format!("{:>8.3}", e.at.ms() as f64 / 1000.0) }</time>
            <span class="kind">{ e.kind }</span>
            <span class="text">{ e.text().to_owned() }</span>
            <span class="chips">
                { for e.entities().iter().filter(|k| k.contains(':')).map(|k| html! {
                    <button type="button" class="chip" data-entity={k.clone()} title={format!("Show only {k}")}>{ k.clone() }</button>
                }) }
            </span>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolling_near_the_end_draws_more_and_the_top_draws_the_first_batch() {
        // 24 rows of 21 px in a 174 px window.
        let height = 24.0 * 21.0;
        assert_eq!(rows_after_scroll(24, 100.0, 174.0, height), 24);
        assert_eq!(rows_after_scroll(24, 300.0, 174.0, height), 48);
        assert_eq!(rows_after_scroll(192, 4000.0, 174.0, 4100.0), LOG_ROWS);
        assert_eq!(rows_after_scroll(LOG_ROWS, 4000.0, 174.0, 4100.0), LOG_ROWS);
        assert_eq!(rows_after_scroll(96, 0.0, 174.0, 2000.0), ROWS_AT_ONCE);
    }
}
