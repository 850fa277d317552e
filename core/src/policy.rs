//! Policies: pattern-matched settings that RabbitMQ applies to queues and
//! exchanges (TTL, length limits, dead-lettering, alternate exchanges).

use serde::Serialize;

use crate::queue::Overflow;
use crate::value::{FieldTable, FieldValue};

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

/// Why a policy was refused, as `rabbitmqctl set_policy` refuses it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// The pattern is not a regular expression.
    Pattern {
        /// The pattern.
        pattern: String,
        /// What the regular expression parser said.
        reason: String,
    },
    /// A definition key Warren models has a value RabbitMQ refuses.
    Definition {
        /// The key (`message-ttl`).
        key: String,
        /// What was expected, and what was found.
        expected: String,
    },
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Pattern { pattern, reason } => write!(f, "invalid pattern {pattern:?}: {reason}"),
            Self::Definition { key, expected } => write!(f, "{key}: expected {expected}"),
        }
    }
}

impl std::error::Error for PolicyError {}

/// Policy definition keys Warren models; others are accepted and reported as ignored.
pub const MODELLED_KEYS: &[&str] = &[
    "alternate-exchange",
    "dead-letter-exchange",
    "dead-letter-routing-key",
    "delivery-limit",
    "expires",
    "max-length",
    "max-length-bytes",
    "message-ttl",
    "overflow",
];

impl Policy {
    /// Builds a policy: checks its definition as RabbitMQ does, then
    /// compiles its pattern.
    ///
    /// # Errors
    /// A definition value RabbitMQ refuses ([`Policy::check_definition`]),
    /// or a pattern that is not a valid regular expression.
    pub fn new(
        name: impl Into<String>,
        pattern: impl Into<String>,
        apply_to: ApplyTo,
        priority: i64,
        definition: FieldTable,
    ) -> Result<Self, PolicyError> {
        Self::check_definition(&definition)?;
        let pattern = pattern.into();
        let regex = regex_lite::Regex::new(&pattern).map_err(|e| PolicyError::Pattern {
            reason: e.to_string(),
            pattern: pattern.clone(),
        })?;
        Ok(Self {
            name: name.into(),
            pattern,
            apply_to,
            priority,
            definition,
            regex,
        })
    }

    /// Checks the definition keys Warren models as RabbitMQ 3.10 validates
    /// them on `set_policy` (`rabbit_policies:validate_policy0/2`); keys it
    /// does not model pass (they are reported as ignored elsewhere).
    ///
    /// # Errors
    /// The first key at fault, with what was expected.
    pub fn check_definition(definition: &FieldTable) -> Result<(), PolicyError> {
        for (key, value) in definition.iter() {
            let int = value.as_int();
            let (ok, expected) = match key {
                "alternate-exchange" | "dead-letter-exchange" | "dead-letter-routing-key" => {
                    (matches!(value, FieldValue::LongStr(_)), "a string")
                }
                "message-ttl" | "max-length" | "max-length-bytes" | "delivery-limit" => {
                    (int.is_some_and(|v| v >= 0), "a non-negative integer")
                }
                "expires" => (int.is_some_and(|v| v >= 1), "a positive integer"),
                "overflow" => (
                    value
                        .as_str()
                        .is_some_and(|s| Overflow::from_name(s).is_some()),
                    "\"drop-head\", \"reject-publish\" or \"reject-publish-dlx\"",
                ),
                _ => (true, ""),
            };
            if !ok {
                return Err(PolicyError::Definition {
                    key: key.to_owned(),
                    expected: format!("{expected}, found {value}"),
                });
            }
        }
        Ok(())
    }

    /// The policy in force for a queue (`is_queue`) or exchange named
    /// `name`, among `policies`: the highest priority among those that
    /// apply; ties go to the first by name (RabbitMQ leaves ties
    /// unspecified, Warren makes them deterministic).
    pub fn in_force<'a>(
        policies: impl Iterator<Item = &'a Self>,
        name: &str,
        is_queue: bool,
    ) -> Option<&'a Self> {
        let mut best: Option<&Self> = None;
        for p in policies.filter(|p| p.applies(name, is_queue)) {
            if best.is_none_or(|b| p.priority > b.priority) {
                best = Some(p);
            }
        }
        best
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_priority_applicable_policy_wins() {
        let a = Policy::new("a", "^q", ApplyTo::Queues, 1, FieldTable::new()).unwrap();
        let b = Policy::new("b", "^q\\.", ApplyTo::All, 5, FieldTable::new()).unwrap();
        let c = Policy::new("c", ".*", ApplyTo::Exchanges, 9, FieldTable::new()).unwrap();
        let all = [a, b, c];
        assert_eq!(Policy::in_force(all.iter(), "q.1", true).unwrap().name, "b");
        assert_eq!(Policy::in_force(all.iter(), "qx", true).unwrap().name, "a");
        assert_eq!(Policy::in_force(all.iter(), "x", false).unwrap().name, "c");
        assert!(Policy::in_force(all.iter(), "z", true).is_none());
        assert!(matches!(
            Policy::new("bad", "(", ApplyTo::All, 0, FieldTable::new()),
            Err(PolicyError::Pattern { .. })
        ));
        let mut ttl = FieldTable::new();
        ttl.insert("message-ttl", FieldValue::LongStr("soon".into()));
        assert!(matches!(
            Policy::new("ttl", ".*", ApplyTo::All, 0, ttl),
            Err(PolicyError::Definition { key, .. }) if key == "message-ttl"
        ));
    }

    #[test]
    fn the_broker_refuses_a_policy_changed_after_it_was_built() {
        let mut broker = crate::Broker::new();
        let mut p = Policy::new("ttl", ".*", ApplyTo::Queues, 0, FieldTable::new()).unwrap();
        p.definition.insert("expires", FieldValue::I32(0));
        assert!(matches!(
            broker.set_policy(p.clone()),
            Err(PolicyError::Definition { key, .. }) if key == "expires"
        ));
        p.definition = FieldTable::new();
        p.pattern = "(".into();
        assert!(matches!(
            broker.set_policy(p),
            Err(PolicyError::Pattern { .. })
        ));
        assert_eq!(broker.policies().count(), 0);
    }
}
