//! What a finding is about and how to fix it: the words a person needs
//! next to the object at fault (the playground's inspector), kept beside
//! the checks so that a new finding cannot come without its advice.

use crate::definitions::{BindingDef, Definitions};

use super::Finding;

impl Finding {
    /// How to fix it, in one sentence (the same for every finding with
    /// this code).
    pub fn fix(&self) -> &'static str {
        if let Some(fix) = file_fix(self.code) {
            return fix;
        }
        match self.code {
            "unknown-queue-type" => "Use classic, quorum or stream.",
            "invalid-quorum-queue" => "Declare the quorum queue durable and not auto-delete.",
            "quorum-overflow-not-supported" => "Use reject-publish to refuse publishes, or drop-head.",
            "at-least-once-without-reject-publish" => "Add x-overflow reject-publish, or use at-most-once.",
            "missing-dead-letter-exchange" => "Declare that exchange, or name one that exists.",
            "dead-letter-cycle" => {
                "Dead-letter to another queue that sends messages back after a message TTL, or \
                 count retries (x-death) and stop."
            }
            "missing-alternate-exchange" => "Declare that exchange, or name one that exists.",
            "exchange-cycle" => "Remove one of the exchange-to-exchange bindings in the loop.",
            "unreachable-exchange" => "Bind it from an exchange clients publish to, or make it not internal.",
            "unreachable-queue" => "Bind it to an exchange, unless it is meant for the default exchange.",
            "binding-never-matches" => {
                "Change the binding's key or arguments to what is published, or delete the binding."
            }
            "unconsumed-queue" => {
                "Add a consumer, or bound the queue with a length limit (x-max-length) or a message \
                 TTL (x-message-ttl)."
            }
            "stream-consumer-without-prefetch" => "Give the consumer a prefetch (basic.qos), such as 10.",
            "stream-consumer-auto-ack" => "Turn auto-ack off and acknowledge each message.",
            "stream-consumer-priority" => "Remove the consumer's priority (x-priority).",
            "stream-consumer-rejects" => "Acknowledge every message (policy ack); a stream cannot take one back.",
            "stream-offset-not-a-stream" => {
                "Remove x-stream-offset, or consume a stream (x-queue-type: stream)."
            }
            _ => "See the finding's words.",
        }
    }
}

/// The fix of a finding only a file can have (the checks behind the
/// `file-checks` feature); `None` for the others, and for every code
/// without the feature: the playground, which never sees these findings,
/// does not carry their words.
fn file_fix(code: &str) -> Option<&'static str> {
    if !super::FILE_CHECKS {
        return None;
    }
    Some(match code {
        "invalid-policy-pattern" => "Write the pattern as a regular expression RabbitMQ accepts.",
        "invalid-policy-definition" => "Give the key a value of the type RabbitMQ expects.",
        "policy-matches-nothing" => "Change the pattern or apply-to, or delete the policy.",
        "policy-shadowed" => "Raise its priority, narrow the other policy, or delete it.",
        "duplicate-policy" | "duplicate-exchange" | "duplicate-queue" => {
            "Keep one definition and delete the other."
        }
        "unknown-exchange-type" => "Use direct, fanout, topic or headers.",
        "invalid-exchange-argument" => "Give alternate-exchange an exchange's name, as a string.",
        "skipped-on-import" => "Rename it, or leave it out of the file.",
        "invalid-queue-argument" => "Correct or remove the argument.",
        "invalid-stream" => {
            "Declare the stream durable and not auto-delete, with only x-max-length-bytes, \
             x-max-age (\"7D\"), x-stream-max-segment-size-bytes, x-queue-leader-locator and \
             x-initial-cluster-size; each consumer chooses where it reads (x-stream-offset)."
        }
        "dlrk-without-dlx" => "Add a dead-letter exchange, or remove the dead-letter routing key.",
        "default-exchange-binding" => {
            "Delete the binding: every queue is already bound by its name."
        }
        "binding-source-missing" | "binding-destination-missing" => {
            "Declare the missing exchange or queue, or delete the binding."
        }
        "invalid-binding-arguments" => "Set x-match to all, any, all-with-x or any-with-x.",
        _ => return None,
    })
}

/// What a finding is about: the object its path points into.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Subject<'d> {
    /// An exchange, by name.
    Exchange(&'d str),
    /// A queue, by name.
    Queue(&'d str),
    /// A binding.
    Binding(&'d BindingDef),
    /// A policy, by name.
    Policy(&'d str),
}

/// The object of `defs` that a finding's path (`$.queues[2].arguments...`)
/// points into; `None` for a path outside the four sections.
pub fn subject<'d>(defs: &'d Definitions, path: &str) -> Option<Subject<'d>> {
    let rest = path.strip_prefix("$.")?;
    let (section, rest) = rest.split_once('[')?;
    let (index, _) = rest.split_once(']')?;
    let i: usize = index.parse().ok()?;
    Some(match section {
        "exchanges" => Subject::Exchange(&defs.exchanges.get(i)?.name),
        "queues" => Subject::Queue(&defs.queues.get(i)?.name),
        "bindings" => Subject::Binding(defs.bindings.get(i)?),
        "policies" => Subject::Policy(&defs.policies.get(i)?.name),
        _ => return None,
    })
}
