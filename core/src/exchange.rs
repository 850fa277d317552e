//! Exchanges, bindings, and the per-exchange indexes that make routing a
//! lookup rather than a scan of every binding.

use std::collections::HashMap;

use serde::Serialize;

use crate::headers::headers_match;
use crate::topic::{FxBuildHasher, TopicTrie};
use crate::value::{FieldTable, FieldValue};

use crate::ids::QueueId;
pub(crate) use crate::ids::{BindingId, ExchangeId};

/// The four exchange types of AMQP 0-9-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExchangeKind {
    /// Binding key equals routing key.
    Direct,
    /// Every binding matches.
    Fanout,
    /// Dotted words with `*` and `#` wildcards.
    Topic,
    /// Binding arguments against message headers.
    Headers,
}

impl ExchangeKind {
    /// Parses a type name as `exchange.declare` carries it.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "direct" => Some(Self::Direct),
            "fanout" => Some(Self::Fanout),
            "topic" => Some(Self::Topic),
            "headers" => Some(Self::Headers),
            _ => None,
        }
    }

    /// The type name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Fanout => "fanout",
            Self::Topic => "topic",
            Self::Headers => "headers",
        }
    }
}

/// Where a binding leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Dest {
    Queue(QueueId),
    Exchange(ExchangeId),
}

/// A binding. Its identity is (source, destination, key, arguments): two
/// bindings that differ only in arguments coexist.
#[derive(Clone, Debug)]
pub(crate) struct Binding {
    pub(crate) source: ExchangeId,
    pub(crate) dest: Dest,
    pub(crate) routing_key: String,
    pub(crate) arguments: FieldTable,
}

/// The routing index of one exchange. The direct index is a hash map: it is
/// only ever looked up (never iterated), so its order cannot leak.
#[derive(Clone, Debug)]
enum Index {
    Direct(HashMap<String, Vec<BindingId>, FxBuildHasher>),
    Fanout(Vec<BindingId>),
    // Boxed: the trie with its routing cache is several times the size of
    // the other variants.
    Topic(Box<TopicTrie<BindingId>>),
    Headers(Vec<BindingId>),
}

/// An exchange.
#[derive(Clone, Debug)]
pub(crate) struct Exchange {
    pub(crate) id: ExchangeId,
    pub(crate) name: String,
    pub(crate) kind: ExchangeKind,
    pub(crate) durable: bool,
    pub(crate) auto_delete: bool,
    pub(crate) internal: bool,
    pub(crate) arguments: FieldTable,
    /// The alternate exchange in force (argument, else policy).
    pub(crate) alternate: Option<String>,
    /// The policy applied, if any.
    pub(crate) policy: Option<String>,
    /// Bindings where this exchange is the source, sorted (a sorted `Vec`:
    /// the same order as a `BTreeSet`, one B-tree copy less in the wasm;
    /// the routing index below already keeps `Vec`s of ids).
    pub(crate) bindings: Vec<BindingId>,
    index: Index,
}

impl Exchange {
    pub(crate) fn new(
        id: ExchangeId,
        name: String,
        kind: ExchangeKind,
        durable: bool,
        auto_delete: bool,
        internal: bool,
        arguments: FieldTable,
    ) -> Self {
        let index = match kind {
            ExchangeKind::Direct => Index::Direct(HashMap::default()),
            ExchangeKind::Fanout => Index::Fanout(Vec::new()),
            ExchangeKind::Topic => Index::Topic(Box::default()),
            ExchangeKind::Headers => Index::Headers(Vec::new()),
        };
        let alternate = arguments
            .get("alternate-exchange")
            .and_then(FieldValue::as_str)
            .map(str::to_owned);
        Self {
            id,
            name,
            kind,
            durable,
            auto_delete,
            internal,
            arguments,
            alternate,
            policy: None,
            bindings: Vec::new(),
            index,
        }
    }

    /// Whether this is the nameless default exchange.
    pub(crate) fn is_default(&self) -> bool {
        self.name.is_empty()
    }

    pub(crate) fn add(&mut self, id: BindingId, key: &str) {
        if let Err(at) = self.bindings.binary_search(&id) {
            self.bindings.insert(at, id);
        }
        match &mut self.index {
            Index::Direct(map) => map.entry(key.to_owned()).or_default().push(id),
            Index::Fanout(v) | Index::Headers(v) => v.push(id),
            Index::Topic(trie) => trie.insert(key, id),
        }
    }

    pub(crate) fn remove(&mut self, id: BindingId, key: &str) {
        if let Ok(at) = self.bindings.binary_search(&id) {
            self.bindings.remove(at);
        }
        match &mut self.index {
            Index::Direct(map) => {
                if let Some(ids) = map.get_mut(key) {
                    ids.retain(|b| *b != id);
                    if ids.is_empty() {
                        map.remove(key);
                    }
                }
            }
            Index::Fanout(v) | Index::Headers(v) => v.retain(|b| *b != id),
            Index::Topic(trie) => {
                trie.remove(key, id);
            }
        }
    }

    /// Calls `f` with every binding that matches one of `keys` (a binding
    /// may be reported more than once; callers deduplicate destinations).
    pub(crate) fn for_each_match(
        &self,
        keys: &[&str],
        headers: Option<&FieldTable>,
        bindings: &[Option<Binding>],
        mut f: impl FnMut(BindingId),
    ) {
        match &self.index {
            Index::Direct(map) => {
                for key in keys {
                    if let Some(ids) = map.get(*key) {
                        ids.iter().copied().for_each(&mut f);
                    }
                }
            }
            Index::Fanout(ids) => ids.iter().copied().for_each(f),
            Index::Topic(trie) => {
                for key in keys {
                    trie.for_each_match(key, &mut f);
                }
            }
            Index::Headers(ids) => {
                let empty = FieldTable::new();
                let headers = headers.unwrap_or(&empty);
                for &id in ids {
                    if let Some(b) = bindings.get(id.0 as usize).and_then(Option::as_ref) {
                        if headers_match(&b.arguments, headers) {
                            f(id);
                        }
                    }
                }
            }
        }
    }
}

/// A binding's arguments in canonical form: entries stably sorted by key,
/// values with their type tags, duplicates kept. RabbitMQ identifies a
/// binding by its arguments compared exactly, after sorting by key, so
/// `{a: 1, b: 2}` and `{b: 2, a: 1}` are one binding while `{a: 1}` (a
/// signedint) and `{a: 1L}` are two.
pub(crate) fn canonical_args(args: &FieldTable) -> String {
    let mut entries: Vec<_> = args.iter().collect();
    // A stable insertion sort: argument tables hold a few entries, and
    // `sort_by` would put a 4 KB stable sort in the wasm for this one call.
    for i in 1..entries.len() {
        let mut j = i;
        while j > 0 && entries[j - 1].0 > entries[j].0 {
            entries.swap(j - 1, j);
            j -= 1;
        }
    }
    let pairs: Vec<serde_json::Value> = entries
        .into_iter()
        .map(|(k, v)| serde_json::json!([k, v.to_json()]))
        .collect();
    serde_json::Value::Array(pairs).to_string()
}

#[cfg(test)]
mod tests {
    use super::canonical_args;
    use crate::{FieldTable, FieldValue};

    #[test]
    fn canonical_args_sort_by_key_and_keep_duplicates_in_order() {
        let t = FieldTable(vec![
            ("b".into(), FieldValue::I32(1)),
            ("a".into(), FieldValue::I32(2)),
            ("b".into(), FieldValue::I32(3)),
            ("a".into(), FieldValue::I64(4)),
        ]);
        let mut want: Vec<_> = t.0.iter().collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        let want: Vec<_> = want
            .into_iter()
            .map(|(k, v)| serde_json::json!([k, v.to_json()]))
            .collect();
        assert_eq!(
            canonical_args(&t),
            serde_json::Value::Array(want).to_string()
        );
        assert!(canonical_args(&t).starts_with(r#"[["a","#));
        assert_eq!(canonical_args(&FieldTable::new()), "[]");
    }
}
