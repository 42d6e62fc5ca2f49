//! A fast reader for the plain EDN the grader writes itself: a `history.edn` line
//! ([`Value::write_edn`]), read again for every operation whenever a run's report is drawn or its
//! history judged.
//!
//! `edn-format` reads any EDN, at a price: in a simulated 6c graded end to end, reading
//! `history.edn` back was three quarters of drawing the report. This reader takes a subset only:
//! `nil`, booleans, integers that fit an `i64`, strings without escapes, keywords without a
//! namespace, vectors, lists, and maps whose keys are all keywords, all strings or all integers,
//! each of them distinct. For anything else (floats, sets, tags, symbols, escapes, comments, a
//! repeated key, nesting past [`MAX_DEPTH`]) it answers `None`, and [`super::parse`] hands the text
//! to `edn-format`. Where it answers, it answers as `edn-format` would, map entries sorted by key
//! as that crate's `BTreeMap` leaves them: the tests hold the two readers to the same values.

use super::MAX_DEPTH;
use crate::value::Value;

/// `text` as one value, or `None` when it is not in the subset (or not EDN at all).
pub(super) fn parse(text: &str) -> Option<Value> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    reader.skip_blanks();
    let value = reader.value(0)?;
    reader.skip_blanks();
    (reader.at == reader.bytes.len()).then_some(value)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// Whitespace and commas, which EDN reads as whitespace.
    fn skip_blanks(&mut self) {
        while let Some(b' ' | b',' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// One value, which must end where a delimiter (or the text) starts: `nilly` is a symbol,
    /// `1.5` a float, `:a/b` a namespaced keyword, all of them outside the subset.
    fn value(&mut self, depth: usize) -> Option<Value> {
        let value = match self.bytes.get(self.at)? {
            b'[' => Value::Vec(self.items(b']', depth)?),
            b'(' => Value::Vec(self.items(b')', depth)?),
            b'{' => self.map(depth)?,
            b'"' => self.string()?,
            b':' => self.keyword()?,
            b'-' | b'0'..=b'9' => self.integer()?,
            _ => self.word()?,
        };
        match self.bytes.get(self.at) {
            None | Some(b' ' | b',' | b'\n' | b'\r' | b'\t' | b']' | b')' | b'}') => Some(value),
            Some(_) => None,
        }
    }

    /// The values up to `close`, the opening bracket being at `self.at`.
    fn items(&mut self, close: u8, depth: usize) -> Option<Vec<Value>> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_blanks();
            if *self.bytes.get(self.at)? == close {
                self.at += 1;
                return Some(items);
            }
            items.push(self.value(depth + 1)?);
        }
    }

    fn map(&mut self, depth: usize) -> Option<Value> {
        let items = self.items(b'}', depth)?;
        if items.len() % 2 != 0 {
            return None;
        }
        let mut items = items.into_iter();
        let mut entries = Vec::with_capacity(items.len() / 2);
        while let (Some(key), Some(value)) = (items.next(), items.next()) {
            entries.push((key, value));
        }
        let kind = |key: &Value| match key {
            Value::Keyword(_) => Some(0),
            Value::Str(_) => Some(1),
            Value::Int(_) => Some(2),
            _ => None,
        };
        let first = entries.first().and_then(|(key, _)| kind(key));
        if entries
            .iter()
            .any(|(key, _)| kind(key).is_none() || kind(key) != first)
        {
            return None;
        }
        // Keywords without a namespace and strings sort by their text, integers by value, in
        // `Value`'s order as in `edn-format`'s.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        if entries.windows(2).any(|pair| pair[0].0 == pair[1].0) {
            return None;
        }
        Some(Value::Map(entries))
    }

    fn string(&mut self) -> Option<Value> {
        let start = self.at + 1;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\')?;
        if self.bytes[start + len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        // Both ends are ASCII quotes, so both are character boundaries.
        Some(Value::Str(self.text[start..start + len].to_owned()))
    }

    fn keyword(&mut self) -> Option<Value> {
        let start = self.at + 1;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b"*+!-_?<>=.".contains(&b)))
            .unwrap_or(self.bytes.len() - start);
        let first = *self.bytes.get(start)?;
        if len == 0 || !(first.is_ascii_alphabetic() || b"*!_?<>=".contains(&first)) {
            return None;
        }
        self.at = start + len;
        Some(Value::Keyword(self.text[start..start + len].to_owned()))
    }

    /// `-?[0-9]+` that fits an `i64`, without a leading zero (`-0`, `007`: left to `edn-format`).
    fn integer(&mut self) -> Option<Value> {
        let start = self.at;
        let digits = start + usize::from(self.bytes[start] == b'-');
        let len = self.bytes[digits..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(self.bytes.len() - digits);
        if len == 0 || self.bytes[digits] == b'0' && (len > 1 || digits > start) {
            return None;
        }
        let n = self.text[start..digits + len].parse().ok()?;
        self.at = digits + len;
        Some(Value::Int(n))
    }

    fn word(&mut self) -> Option<Value> {
        let rest = &self.bytes[self.at..];
        let (len, value) = if rest.starts_with(b"nil") {
            (3, Value::Nil)
        } else if rest.starts_with(b"true") {
            (4, Value::Bool(true))
        } else if rest.starts_with(b"false") {
            (5, Value::Bool(false))
        } else {
            return None;
        };
        self.at += len;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What `edn-format` reads, exactly (map entries in order): `Value`'s own equality would
    /// not tell two orders of one map apart.
    fn slow(text: &str) -> Option<String> {
        super::super::parse_any(text).ok().map(|v| format!("{v:?}"))
    }

    fn agree(text: &str) -> bool {
        match parse(text) {
            Some(v) => {
                assert_eq!(Some(format!("{v:?}")), slow(text), "{text}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn history_lines_are_read_as_edn_format_reads_them() {
        for line in [
            r#"{:index 0, :time 1200, :type :invoke, :process 3, :f :txn, :value [[:r 1 nil] [:w 2 5]]}"#,
            r#"{:index 7, :time 5, :type :ok, :process 0, :f :poll, :value {"k-2" [[0 9]], "k-1" []}}"#,
            r#"{:type :info, :f :start-partition, :value {3 [1 2], 0 [4], 12 []}, :process :nemesis}"#,
            "  [true false nil -12 0 9223372036854775807 -9223372036854775808 (1 (2))]\n",
            r#"{:error ["lost" :crash], :ok? true, :<=> {}, :value ""}"#,
        ] {
            assert!(agree(line), "not read by the fast path: {line}");
        }
    }

    #[test]
    fn what_is_outside_the_subset_is_left_to_edn_format() {
        for text in [
            "1.5",
            "1N",
            "-0",
            "007",
            "#{1 2}",
            "{:a 1, :a 2}",
            "{:a 1, \"a\" 2}",
            "[:a/b]",
            r#""a\"b""#,
            "nilly",
            "[1 2] 3",
            "#jepsen.history.Op{:index 1}",
            "[1 ; two\n]",
            "99999999999999999999",
            "[",
            "",
        ] {
            assert!(parse(text).is_none(), "{text}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse(&deep).is_none());
        let deepest = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(agree(&deepest));
    }

    /// Values of every kind `Value` has, the subset's and the others.
    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Nil),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            (-3i64..3).prop_map(Value::Int),
            any::<i128>().prop_map(Value::BigInt),
            (-1e6f64..1e6).prop_map(Value::Float),
            "[a-z\"\\\\ é\n]{0,6}".prop_map(Value::Str),
            "[a-zA-Z*!_?<>=.+/-][a-zA-Z0-9*!_?<>=.+/-]{0,5}".prop_map(Value::Keyword),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Vec),
                prop::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(Value::Map),
                prop::collection::vec(("[a-c]{1,2}".prop_map(Value::Keyword), inner.clone()), 0..4)
                    .prop_map(Value::Map),
                prop::collection::vec(((0i64..5).prop_map(Value::Int), inner), 0..4)
                    .prop_map(Value::Map),
            ]
        })
    }

    /// Values of the subset only, maps with distinct keys of one kind.
    fn plain_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Nil),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            "[a-z é]{0,6}".prop_map(Value::Str),
            "[a-z][a-z0-9?-]{0,5}".prop_map(Value::Keyword),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Vec),
                prop::collection::btree_map("[a-d]{1,2}", inner.clone(), 0..4).prop_map(|m| {
                    Value::Map(m.into_iter().map(|(k, v)| (Value::Keyword(k), v)).collect())
                }),
                prop::collection::btree_map(any::<i64>(), inner, 0..4).prop_map(|m| {
                    Value::Map(
                        m.into_iter()
                            .rev()
                            .map(|(k, v)| (Value::Int(k), v))
                            .collect(),
                    )
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn whatever_the_fast_path_reads_edn_format_reads_alike(value in any_value()) {
            agree(&value.to_string());
        }

        #[test]
        fn the_subset_is_read_by_the_fast_path(value in plain_value()) {
            let text = value.to_string();
            prop_assert!(agree(&text), "{}", text);
        }

        #[test]
        fn any_text_it_reads_edn_format_reads_alike(text in "[\\[\\](){}\" ,:a-c0-9nilteufs.#\\\\-]{0,24}") {
            agree(&text);
        }
    }
}
