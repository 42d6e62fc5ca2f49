//! `seq-kv` (spec §6.3): sequentially consistent, and stale in the ways learners trip over.
//!
//! Maelstrom keeps the last 32 states of the map in a ring buffer and, per requesting node, the
//! index of the newest state that node has observed. A request is first tried against a state
//! picked uniformly between that node's index and the newest; if it leaves that state unchanged
//! (reads, failing cas, writes of the value already there) its answer stands, however old the
//! state. Otherwise it is re-run against the newest state and the result becomes a new state. So a
//! node never sees its own past go backwards (within the window), but may read stale values and
//! see a cas fail with code 22 against an old value.

use std::collections::{HashMap, VecDeque};

use rand::{Rng, RngCore};
use serde_json::Value as Json;

use super::kv::{Flavour, KvRequest, KvState};
use super::{unknown_request, Service, ServiceReply};

/// How many past states Maelstrom keeps (`sequential`'s default buffer size).
pub const WINDOW: usize = 32;

/// `seq-kv`.
#[derive(Debug)]
pub struct SeqKv {
    /// Oldest first; never empty, at most [`WINDOW`] long.
    states: VecDeque<KvState>,
    /// The index of the newest state: 0 for the initial empty map, +1 per state change.
    last_index: u64,
    /// Per requester (`src`): the index of the state it last observed; 0 when never seen.
    observed: HashMap<String, u64>,
}

impl Default for SeqKv {
    fn default() -> Self {
        SeqKv {
            states: VecDeque::from([KvState::default()]),
            last_index: 0,
            observed: HashMap::new(),
        }
    }
}

impl SeqKv {
    /// Where state `index` lives in the buffer. Maelstrom asks the ring buffer for the element at
    /// negative offset `index - last_index - 1`, and amalloy's ring buffer (1.3.x) takes that offset
    /// modulo its length. Within the window that is exactly state `index`; a requester more than
    /// 32 versions behind gets some state inside the window instead (bug, as-implemented), so its
    /// reads can even go back in time.
    fn position(index: u64, last_index: u64, len: usize) -> usize {
        let offset = i128::from(index) - i128::from(last_index) - 1;
        offset.rem_euclid(len as i128) as usize
    }
}

impl Service for SeqKv {
    fn id(&self) -> &'static str {
        "seq-kv"
    }

    fn handle(&mut self, src: &str, body: &Json, rng: &mut dyn RngCore) -> ServiceReply {
        let Some(request) = KvRequest::parse(body) else {
            return unknown_request(self.id(), body);
        };
        let observed = self.observed.get(src).copied().unwrap_or(0);
        let index = rng.gen_range(observed..=self.last_index);
        let position = Self::position(index, self.last_index, self.states.len());
        let speculative = self.states[position].evaluate(&request, Flavour::Persistent);
        if !speculative.changes_state {
            self.observed.insert(src.to_owned(), index);
            return ServiceReply::Reply(speculative.reply);
        }
        // A change must not rewrite the past: apply it to the newest state instead, even if there
        // it changes nothing (the result is still appended as a new state).
        let newest = self.states.back().expect("seq-kv always holds a state");
        let evaluation = newest.evaluate(&request, Flavour::Persistent);
        let mut next = newest.clone();
        next.apply(&evaluation);
        self.states.push_back(next);
        if self.states.len() > WINDOW {
            self.states.pop_front();
        }
        self.last_index += 1;
        self.observed.insert(src.to_owned(), self.last_index);
        ServiceReply::Reply(evaluation.reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use serde_json::json;

    struct Harness {
        kv: SeqKv,
        rng: StdRng,
    }

    impl Harness {
        fn new(seed: u64) -> Harness {
            Harness {
                kv: SeqKv::default(),
                rng: StdRng::seed_from_u64(seed),
            }
        }

        fn call(&mut self, src: &str, body: Json) -> Json {
            match self.kv.handle(src, &body, &mut self.rng) {
                ServiceReply::Reply(reply) => reply,
                ServiceReply::NoReply(reason) => panic!("no reply to {body}: {reason}"),
            }
        }

        fn write(&mut self, src: &str, value: i64) {
            let reply = self.call(src, json!({"type": "write", "key": "x", "value": value}));
            assert_eq!(reply, json!({"type": "write_ok"}));
        }

        /// The value read, 0 for a missing key.
        fn read(&mut self, src: &str) -> i64 {
            let reply = self.call(src, json!({"type": "read", "key": "x"}));
            match reply["type"].as_str() {
                Some("read_ok") => reply["value"].as_i64().unwrap(),
                _ => {
                    assert_eq!(reply["code"], 20, "{reply}");
                    0
                }
            }
        }
    }

    #[test]
    fn a_single_node_sees_a_linearizable_map() {
        let mut h = Harness::new(7);
        let missing = json!({"type": "error", "code": 20, "text": "key does not exist"});
        assert_eq!(h.call("n1", json!({"type": "read", "key": "x"})), missing);
        assert_eq!(
            h.call("n1", json!({"type": "cas", "key": "x", "from": 0, "to": 1})),
            missing
        );
        assert_eq!(
            h.call(
                "n1",
                json!({"type": "cas", "key": "x", "from": 0, "to": 1, "create_if_not_exists": true})
            ),
            json!({"type": "cas_ok"})
        );
        assert_eq!(h.read("n1"), 1);
        assert_eq!(
            h.call("n1", json!({"type": "cas", "key": "x", "from": 0, "to": 2})),
            json!({"type": "error", "code": 22, "text": "current value 1 is not 0"})
        );
        assert_eq!(
            h.call("n1", json!({"type": "cas", "key": "x", "from": 1, "to": 2})),
            json!({"type": "cas_ok"})
        );
        h.write("n1", 3);
        assert_eq!(h.read("n1"), 3);
        h.write("n1", 3);
        assert_eq!(
            h.kv.last_index, 3,
            "writing the value already there adds no state"
        );
    }

    #[test]
    fn another_nodes_write_may_be_invisible_to_a_read() {
        let (mut stale, mut fresh) = (0, 0);
        for seed in 0..200 {
            let mut h = Harness::new(seed);
            h.write("n1", 1);
            h.write("n1", 2);
            match h.read("n2") {
                2 => fresh += 1,
                0 | 1 => stale += 1,
                other => panic!("read {other}"),
            }
        }
        // The read picks uniformly among the states 0..=2: a third fresh.
        assert!((45..=90).contains(&fresh), "fresh {fresh}, stale {stale}");
    }

    #[test]
    fn a_nodes_own_reads_never_go_back_in_time_within_the_window() {
        for seed in 0..100 {
            let mut h = Harness::new(seed);
            let mut last_seen = 0;
            for value in 1..=25 {
                h.write("n1", value);
                let seen = h.read("n2");
                assert!(
                    seen >= last_seen,
                    "seed {seed}: read {seen} after {last_seen}"
                );
                last_seen = seen;
            }
        }
    }

    #[test]
    fn after_its_write_a_node_reads_it_or_something_newer() {
        for seed in 0..100 {
            let mut h = Harness::new(seed);
            for value in 1..=5 {
                h.write("n1", value);
            }
            h.write("n2", 100);
            for _ in 0..10 {
                assert_eq!(h.read("n2"), 100, "seed {seed}");
            }
            h.write("n1", 200);
            let seen = h.read("n2");
            assert!(seen == 100 || seen == 200, "seed {seed}: {seen}");
        }
    }

    #[test]
    fn a_cas_can_fail_against_a_stale_state() {
        let mut outcomes = std::collections::BTreeMap::new();
        for seed in 0..300 {
            let mut h = Harness::new(seed);
            h.write("n1", 1);
            h.write("n1", 2);
            // On the newest state (x = 2) this cas would succeed.
            let reply = h.call("n2", json!({"type": "cas", "key": "x", "from": 2, "to": 3}));
            let outcome = match reply["code"].as_i64() {
                Some(22) => {
                    assert_eq!(reply["text"], "current value 1 is not 2");
                    "22 against x = 1"
                }
                Some(20) => "20 against the empty map",
                _ => {
                    assert_eq!(reply, json!({"type": "cas_ok"}));
                    assert_eq!(
                        h.read("n2"),
                        3,
                        "a successful cas is applied to the newest state"
                    );
                    "cas_ok"
                }
            };
            *outcomes.entry(outcome).or_insert(0) += 1;
        }
        assert_eq!(outcomes.len(), 3, "{outcomes:?}");
        assert!(outcomes.values().all(|n| *n > 60), "{outcomes:?}");
    }

    #[test]
    fn a_write_of_an_old_value_can_be_ordered_in_the_past() {
        let mut ordered_in_past = 0;
        for seed in 0..100 {
            let mut h = Harness::new(seed);
            h.write("n1", 1);
            h.write("n1", 2);
            h.write("n2", 1);
            if h.kv.last_index == 2 {
                // n2's write landed on state 1, where x was already 1; the newest is still 2.
                ordered_in_past += 1;
                assert_eq!(h.read("n1"), 2);
            } else {
                // It became state 3; n1 (at state 2) may read either.
                let seen = h.read("n1");
                assert!(seen == 1 || seen == 2, "{seen}");
            }
        }
        assert!((15..=55).contains(&ordered_in_past), "{ordered_in_past}");
    }

    #[test]
    fn requesters_are_told_apart_by_src() {
        // After n1's write, n1 always reads it; n2 (or a client c4) may still read the empty map.
        let mut others_missed = 0;
        for seed in 0..50 {
            let mut h = Harness::new(seed);
            h.write("n1", 1);
            assert_eq!(h.read("n1"), 1);
            others_missed += usize::from(h.read("n2") == 0) + usize::from(h.read("c4") == 0);
        }
        assert!(others_missed > 20, "{others_missed}");
    }

    #[test]
    fn the_ring_buffer_keeps_32_states_and_wraps_older_indices() {
        // Within the window the position is the state itself; beyond it wraps modulo the length.
        assert_eq!(SeqKv::position(40, 40, 32), 31);
        assert_eq!(SeqKv::position(9, 40, 32), 0);
        assert_eq!(SeqKv::position(8, 40, 32), 31);
        assert_eq!(
            SeqKv::position(0, 40, 32),
            23,
            "state 0 is served as state 32"
        );
        assert_eq!(SeqKv::position(0, 2, 3), 0);

        let mut went_back = false;
        for seed in 0..50 {
            let mut h = Harness::new(seed);
            for value in 1..=40 {
                h.write("n1", value);
            }
            assert_eq!(h.kv.states.len(), WINDOW);
            let mut last_seen = 0;
            for _ in 0..20 {
                let seen = h.read("n2");
                assert!(
                    (9..=40).contains(&seen),
                    "only states 9..=40 are left, got {seen}"
                );
                went_back |= seen < last_seen;
                last_seen = seen;
            }
        }
        // Maelstrom's bug, reproduced: a node that fell more than 32 versions behind can see its
        // reads go backwards.
        assert!(went_back);
    }
}
