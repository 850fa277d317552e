//! The lesson player's place in a lesson: how many steps are done, when
//! each began (so Back can rebuild the moment before it), where the current
//! step's actions end, and whether the learner left the script. Data only:
//! the reducer (`state.rs`) moves it, through the timeline.

use std::rc::Rc;

use warren_core::SimTime;

use super::scene::Lesson;

/// Where a step began: the virtual time and how many timeline commands
/// came before its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    /// Virtual time of the step's first action.
    pub at: SimTime,
    /// Timeline commands before the step's.
    pub cursor: usize,
}

/// A lesson being walked.
#[derive(Clone, Debug, PartialEq)]
pub struct Player {
    /// The lesson (the start scene's).
    pub lesson: Rc<Lesson>,
    /// Where each step done so far began; its length is the steps done
    /// (0: before the first).
    pub marks: Vec<Mark>,
    /// When the current step's last action is due: virtual time runs until
    /// then and pauses there, so the step's state is what the learner sees.
    pub hold: Option<SimTime>,
    /// The learner did something the lesson did not (an edit, a publish):
    /// the bar says so and offers the way back.
    pub off_script: bool,
}

impl Player {
    /// At the start of `lesson`.
    pub fn new(lesson: Rc<Lesson>) -> Self {
        Self {
            lesson,
            marks: Vec::new(),
            hold: None,
            off_script: false,
        }
    }

    /// Steps done (the caption shown is the last one done's).
    pub fn done(&self) -> usize {
        self.marks.len()
    }

    /// How many steps the lesson has.
    pub fn total(&self) -> usize {
        self.lesson.steps.len()
    }

    /// The caption of the step shown, or `None` before the first.
    pub fn caption(&self) -> Option<&str> {
        let i = self.done().checked_sub(1)?;
        self.lesson.steps.get(i).map(|s| s.caption.as_str())
    }

    /// Whether the current step's actions are still being played.
    pub fn running(&self) -> bool {
        self.hold.is_some()
    }
}

/// A caption's pieces: plain text, and `code` between backticks. Shown as
/// text nodes, so nothing in a caption is ever read as HTML.
pub fn caption_spans(caption: &str) -> Vec<(bool, &str)> {
    caption
        .split('`')
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
        .map(|(i, s)| (i % 2 == 1, s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_alternate_with_text() {
        assert_eq!(
            caption_spans("bind `q` to `x`."),
            [
                (false, "bind "),
                (true, "q"),
                (false, " to "),
                (true, "x"),
                (false, ".")
            ]
        );
        assert_eq!(caption_spans("<b>no</b>"), [(false, "<b>no</b>")]);
    }
}
