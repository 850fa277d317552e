//! The lesson bar: the current step's caption, "step 3 of 7", Back, Next,
//! Restart, "why did it go there", and the way back after leaving the
//! script. A plain function, not a component: it has no state of its own.

use yew::prelude::*;

use crate::state::{caption_spans, Action, Player};

/// The bar for `player`; `name` stands in for an untitled lesson.
pub fn lesson_bar(player: &Player, name: &str, on: &Callback<Action>) -> Html {
    let emit = |a: Action| {
        let on = on.clone();
        Callback::from(move |_: MouseEvent| on.emit(a.clone()))
    };
    let (done, total) = (player.done(), player.total());
    let title = if player.lesson.title.is_empty() {
        name.to_owned()
    } else {
        player.lesson.title.clone()
    };
    let counter = if done == 0 {
        format!("{total} steps")
    } else {
        format!("step {done} of {total}")
    };
    let caption = match player.caption() {
        Some(c) => html! {
            { for caption_spans(c).into_iter().map(|(code, text)| if code {
                html! { <code>{ text }</code> }
            } else {
                html! { { text } }
            }) }
        },
        None => {
            html! { { "Press Next (or →) to perform the first step. Back undoes a step exactly; you can leave the script at any time and play freely." } }
        }
    };
    html! {
        <section class="lesson-bar" id="lesson-bar" aria-label="Lesson">
            <div class="lesson-head">
                <strong id="lesson-title">{ title }</strong>
                <span id="lesson-counter" class="lesson-counter">{ counter }</span>
                if player.running() {
                    <span class="dim" id="lesson-running">{ "playing…" }</span>
                }
            </div>
            <p id="lesson-caption" class="lesson-caption" aria-live="polite">{ caption }</p>
            if player.off_script {
                <p id="lesson-off" class="lesson-off">
                    { "You left the lesson's script: what you did is yours to explore. " }
                    <button type="button" id="lesson-return" onclick={emit(Action::LessonReturn)}>
                        { if done == 0 { "Back to the lesson's start".to_owned() } else { format!("Back to step {done}") } }
                    </button>
                </p>
            }
            <div class="lesson-controls">
                <button type="button" id="lesson-back" disabled={done == 0}
                    title="Back to the moment before this step (←, P)" onclick={emit(Action::LessonBack)}>{ "◀ Back" }</button>
                <button type="button" id="lesson-next" class="primary" disabled={done == total || player.off_script}
                    title="Perform the next step (→, N)" onclick={emit(Action::LessonNext)}>{ "Next ▶" }</button>
                <button type="button" id="lesson-restart" disabled={done == 0 && !player.off_script}
                    onclick={emit(Action::LessonRestart)}>{ "Restart" }</button>
                if done > 0 {
                    <button type="button" id="lesson-why" title="Explain where this step's last message was routed"
                        onclick={emit(Action::LessonWhy)}>{ "Why did it go there?" }</button>
                }
            </div>
        </section>
    }
}
