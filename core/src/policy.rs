//! Policies: pattern-matched settings that RabbitMQ applies to queues and
//! exchanges (TTL, length limits, dead-lettering, alternate exchanges).

use serde::Serialize;

use crate::value::FieldTable;

/// What kinds of objects a policy applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplyTo {
    /// Queues only.
    Queues,
    /// Exchanges only.
    Exchanges,
    /// Both.
    All,
}

impl ApplyTo {
    /// Parses `apply-to` as definitions files write it.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queues" | "classic_queues" => Some(Self::Queues),
            "exchanges" => Some(Self::Exchanges),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    /// The `apply-to` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queues => "queues",
            Self::Exchanges => "exchanges",
            Self::All => "all",
        }
    }
}

/// A policy (`rabbitmqctl set_policy`).
#[derive(Clone, Debug, Serialize)]
pub struct Policy {
    /// Name.
    pub name: String,
    /// Regular expression matched against queue or exchange names.
    pub pattern: String,
    /// What it applies to.
    pub apply_to: ApplyTo,
    /// Among matching policies, the highest priority wins (one policy per object).
    pub priority: i64,
    /// Keys such as `message-ttl`, `dead-letter-exchange`, `max-length`, `alternate-exchange`.
    pub definition: FieldTable,
    #[serde(skip)]
    regex: regex_lite::Regex,
}

/// Why a policy was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError(pub String);

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

/// Policy definition keys Warren models; others are accepted and reported as ignored.
pub const MODELLED_KEYS: &[&str] = &[
    "alternate-exchange",
    "dead-letter-exchange",
    "dead-letter-routing-key",
    "expires",
    "max-length",
    "max-length-bytes",
    "message-ttl",
    "overflow",
];

impl Policy {
    /// Builds a policy, compiling its pattern.
    ///
    /// # Errors
    /// When the pattern is not a valid regular expression.
    pub fn new(
        name: impl Into<String>,
        pattern: impl Into<String>,
        apply_to: ApplyTo,
        priority: i64,
        definition: FieldTable,
    ) -> Result<Self, PolicyError> {
        let pattern = pattern.into();
        let regex = regex_lite::Regex::new(&pattern)
            .map_err(|e| PolicyError(format!("invalid pattern {pattern:?}: {e}")))?;
        Ok(Self {
            name: name.into(),
            pattern,
            apply_to,
            priority,
            definition,
            regex,
        })
    }

    /// Whether the policy applies to a queue (`is_queue`) or exchange of this name.
    pub fn applies(&self, name: &str, is_queue: bool) -> bool {
        let kind_ok = match self.apply_to {
            ApplyTo::All => true,
            ApplyTo::Queues => is_queue,
            ApplyTo::Exchanges => !is_queue,
        };
        kind_ok && self.regex.is_match(name)
    }
}

/// The policy in force for an object: the highest priority among those
/// that apply; ties go to the first by name (RabbitMQ leaves ties
/// unspecified, Warren makes them deterministic).
pub(crate) fn select<'a>(
    policies: impl Iterator<Item = &'a Policy>,
    name: &str,
    is_queue: bool,
) -> Option<&'a Policy> {
    let mut best: Option<&Policy> = None;
    for p in policies.filter(|p| p.applies(name, is_queue)) {
        if best.is_none_or(|b| p.priority > b.priority) {
            best = Some(p);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_priority_applicable_policy_wins() {
        let a = Policy::new("a", "^q", ApplyTo::Queues, 1, FieldTable::new()).unwrap();
        let b = Policy::new("b", "^q\\.", ApplyTo::All, 5, FieldTable::new()).unwrap();
        let c = Policy::new("c", ".*", ApplyTo::Exchanges, 9, FieldTable::new()).unwrap();
        let all = [a, b, c];
        assert_eq!(select(all.iter(), "q.1", true).unwrap().name, "b");
        assert_eq!(select(all.iter(), "qx", true).unwrap().name, "a");
        assert_eq!(select(all.iter(), "x", false).unwrap().name, "c");
        assert!(select(all.iter(), "z", true).is_none());
        assert!(Policy::new("bad", "(", ApplyTo::All, 0, FieldTable::new()).is_err());
    }
}
