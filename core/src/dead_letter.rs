//! The `x-death` header, as RabbitMQ 3.10 maintains it
//! (`rabbit_dead_letter:update_x_death_header/2`, `is_cycle/2`).

use crate::event::DeathReason;
use crate::value::{FieldTable, FieldValue};
use crate::SimTime;

fn lookup<'a>(entry: &'a FieldValue, key: &str) -> Option<&'a FieldValue> {
    match entry {
        FieldValue::Table(t) => t.get(key),
        _ => None,
    }
}

fn is_pair(entry: &FieldValue, queue: &str, reason: &str) -> bool {
    lookup(entry, "queue").and_then(FieldValue::as_str) == Some(queue)
        && lookup(entry, "reason").and_then(FieldValue::as_str) == Some(reason)
}

/// Records one death in `headers`.
///
/// - The first death also sets `x-first-death-reason`, `-queue` and
///   `-exchange`, never changed afterwards.
/// - One entry per (queue, reason): a repeat increments `count` and moves
///   the entry to the front, keeping its first `time`, `exchange` and
///   `routing-keys`.
/// - 3.10 quirk, kept on purpose: with two or more entries, the older ones
///   come out reversed (its grouping fold reverses them), so only the first
///   entry is reliably the most recent.
/// - A non-array `x-death` (a client republished it mangled) is replaced.
pub(crate) fn update_x_death(
    headers: &mut FieldTable,
    reason: DeathReason,
    queue: &str,
    exchange: &str,
    routing_keys: &[String],
    expiration: Option<&str>,
    now: SimTime,
) {
    let mut info = FieldTable(vec![
        ("count".into(), FieldValue::I64(1)),
        ("reason".into(), FieldValue::str(reason.as_str())),
        ("queue".into(), FieldValue::str(queue)),
        ("time".into(), FieldValue::Timestamp(now.ms() / 1000)),
        ("exchange".into(), FieldValue::str(exchange)),
        (
            "routing-keys".into(),
            FieldValue::Array(
                routing_keys
                    .iter()
                    .map(|k| FieldValue::str(k.as_str()))
                    .collect(),
            ),
        ),
    ]);
    if let Some(exp) = expiration {
        info.0
            .push(("original-expiration".into(), FieldValue::str(exp)));
    }
    let deaths = match headers.get("x-death") {
        None => {
            for (k, v) in [
                ("x-first-death-reason", reason.as_str()),
                ("x-first-death-queue", queue),
                ("x-first-death-exchange", exchange),
            ] {
                headers.insert(k, FieldValue::str(v));
            }
            vec![FieldValue::Table(info)]
        }
        Some(FieldValue::Array(existing)) => {
            let mut grouped = existing.clone();
            if grouped.len() >= 2 {
                grouped.reverse();
            }
            let (matches, mut others): (Vec<_>, Vec<_>) = grouped
                .into_iter()
                .partition(|e| is_pair(e, queue, reason.as_str()));
            let head = match matches.into_iter().next() {
                Some(FieldValue::Table(mut t)) => {
                    let count = t.get("count").and_then(FieldValue::as_int).unwrap_or(0);
                    t.insert("count", FieldValue::I64(count + 1));
                    FieldValue::Table(t)
                }
                _ => FieldValue::Table(info),
            };
            others.insert(0, head);
            others
        }
        Some(_) => vec![FieldValue::Table(info)],
    };
    headers.insert("x-death", FieldValue::Array(deaths));
}

/// Whether dead-lettering into `queue` would close a cycle: the queue
/// already appears in `x-death` and no death from the newest up to and
/// including that entry was a rejection (a client rejecting breaks the
/// automatic loop, so it may go on).
pub(crate) fn is_cycle(queue: &str, deaths: Option<&FieldValue>) -> bool {
    let Some(FieldValue::Array(entries)) = deaths else {
        return false;
    };
    let Some(pos) = entries
        .iter()
        .position(|e| lookup(e, "queue").and_then(FieldValue::as_str) == Some(queue))
    else {
        return false;
    };
    entries[..=pos]
        .iter()
        .all(|e| lookup(e, "reason").and_then(FieldValue::as_str) != Some("rejected"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn die(h: &mut FieldTable, reason: DeathReason, queue: &str) {
        update_x_death(h, reason, queue, "x", &["k".into()], None, SimTime(5000));
    }

    fn summary(h: &FieldTable) -> Vec<(String, String, i64)> {
        let Some(FieldValue::Array(items)) = h.get("x-death") else {
            return vec![];
        };
        items
            .iter()
            .map(|e| {
                (
                    lookup(e, "queue")
                        .and_then(FieldValue::as_str)
                        .unwrap()
                        .to_owned(),
                    lookup(e, "reason")
                        .and_then(FieldValue::as_str)
                        .unwrap()
                        .to_owned(),
                    lookup(e, "count").and_then(FieldValue::as_int).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn first_death_sets_first_death_headers_once() {
        let mut h = FieldTable::new();
        die(&mut h, DeathReason::Rejected, "a");
        die(&mut h, DeathReason::Expired, "b");
        assert_eq!(h.get("x-first-death-queue"), Some(&FieldValue::str("a")));
        assert_eq!(
            h.get("x-first-death-reason"),
            Some(&FieldValue::str("rejected"))
        );
        assert_eq!(summary(&h)[0], ("b".into(), "expired".into(), 1));
    }

    #[test]
    fn repeated_pair_counts_up_and_older_entries_reverse() {
        let mut h = FieldTable::new();
        die(&mut h, DeathReason::Rejected, "a");
        die(&mut h, DeathReason::Rejected, "b");
        die(&mut h, DeathReason::Rejected, "c");
        // a → [a]; b → [b, a]; c → [c, a, b] (older two reversed);
        // d → [d, b, a, c].
        let order: Vec<String> = summary(&h).into_iter().map(|s| s.0).collect();
        assert_eq!(order, ["c", "a", "b"]);
        die(&mut h, DeathReason::Rejected, "d");
        let order: Vec<String> = summary(&h).into_iter().map(|s| s.0).collect();
        assert_eq!(order, ["d", "b", "a", "c"]);
        die(&mut h, DeathReason::Rejected, "b");
        assert_eq!(summary(&h)[0], ("b".into(), "rejected".into(), 2));
    }

    #[test]
    fn cycles_are_automatic_deaths_only() {
        let mut h = FieldTable::new();
        die(&mut h, DeathReason::Expired, "a");
        die(&mut h, DeathReason::Expired, "b");
        assert!(is_cycle("a", h.get("x-death")));
        assert!(!is_cycle("c", h.get("x-death")));
        let mut r = FieldTable::new();
        die(&mut r, DeathReason::Rejected, "a");
        die(&mut r, DeathReason::Expired, "b");
        assert!(!is_cycle("a", r.get("x-death")));
    }
}
