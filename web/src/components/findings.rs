//! The lint's findings outside the canvas: the list in the inspector of
//! what they are about (words, fix, dismiss), and the count in the top bar.

use yew::prelude::*;

use crate::state::{parse_node_key, Action, Selection, Shown, Target};

/// The findings standing on the selection, each with its fix and a button
/// that dismisses it; nothing when there are none.
pub fn list(findings: &[Shown], on: &Callback<Action>) -> Html {
    if findings.is_empty() {
        return html! {};
    }
    html! {
        <section class="findings" id="findings" aria-label="What is wrong here">
            <ul>
                { for findings.iter().map(|f| item(f, on)) }
            </ul>
        </section>
    }
}

fn item(f: &Shown, on: &Callback<Action>) -> Html {
    let dismiss = {
        let on = on.clone();
        let id = f.id();
        Callback::from(move |_: MouseEvent| on.emit(Action::DismissFinding(id.clone())))
    };
    html! {
        <li class={classes!("finding", format!("lint-{}", f.severity))} data-code={f.code}>
            <p class="finding-what">
                <span class="finding-sev">{ f.severity }</span>
                <code>{ f.code }</code>{ " " }{ f.message.clone() }
            </p>
            <p class="finding-fix"><strong>{ "Fix: " }</strong>{ f.fix }</p>
            <button type="button" class="link" onclick={dismiss}
                    aria-label={format!("Dismiss {} for this session", f.code)}>{ "Dismiss" }</button>
        </li>
    }
}

/// The findings that are about the selection.
pub fn on_selection(findings: &[Shown], sel: &Selection) -> Vec<Shown> {
    findings
        .iter()
        .filter(|f| match (&f.target, sel) {
            (Target::Node(key), _) => sel.node_key().as_deref() == Some(key.as_str()),
            (Target::Binding(b), Selection::Binding(s)) => b == s,
            _ => false,
        })
        .cloned()
        .collect()
}

/// The top bar's count: a button that selects the next finding's object
/// (after the selection's), so that repeated presses walk through them.
pub fn count(findings: &[Shown], sel: &Selection, dismissed: usize, on: &Callback<Action>) -> Html {
    let on_canvas: Vec<Selection> = findings
        .iter()
        .filter_map(|f| selection(&f.target))
        .collect();
    if findings.is_empty() {
        return html! {};
    }
    let n = findings.len();
    let next = on_canvas
        .iter()
        .position(|s| s == sel)
        .map_or(0, |i| (i + 1) % on_canvas.len().max(1));
    let target = on_canvas.get(next).cloned();
    let onclick = {
        let on = on.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = target.clone() {
                on.emit(Action::Select(t));
            }
        })
    };
    let hidden = if dismissed > 0 {
        format!(", {dismissed} dismissed")
    } else {
        String::new()
    };
    let label = format!(
        "{n} finding{} in this topology{hidden}: show the next one",
        if n == 1 { "" } else { "s" }
    );
    html! {
        <button type="button" id="lint-count" class="lint-count" title={label.clone()}
                aria-label={label} onclick={onclick}>
            { format!("! {n}") }
        </button>
    }
}

/// What selecting a finding's target selects.
fn selection(t: &Target) -> Option<Selection> {
    match t {
        Target::Node(key) => parse_node_key(key).map(|(k, n)| Selection::node(k, n)),
        Target::Binding(b) => Some(Selection::Binding(b.clone())),
        Target::Scene => None,
    }
}
