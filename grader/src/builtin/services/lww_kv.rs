//! `lww-kv` (spec §6.4) as Maelstrom actually behaves: two replicas that never converge.
//!
//! Maelstrom's `eventual` wrapper means to gossip between replicas with last-write-wins merges, but
//! it computes each merge and then discards it, so every request simply goes to one of two
//! independent maps picked at random. A write lands on one replica only, and reads flip between
//! the two forever. (Each replica's Lamport clock and per-key timestamps only feed the discarded
//! merge, so they are not modelled.) Unlike lin-kv and seq-kv, cas ignores
//! `create_if_not_exists`, and its mismatch text prints `from` with `str`.

use rand::{Rng, RngCore};
use serde_json::Value as Json;

use super::kv::{Flavour, KvRequest, KvState};
use super::{unknown_request, Service, ServiceReply};

/// How many replicas Maelstrom's `eventual` service has (the docs say 5; the code has 2).
pub const REPLICAS: usize = 2;

/// `lww-kv`.
#[derive(Debug, Default)]
pub struct LwwKv {
    replicas: [KvState; REPLICAS],
}

impl Service for LwwKv {
    fn id(&self) -> &'static str {
        "lww-kv"
    }

    fn handle(&mut self, _src: &str, body: &Json, rng: &mut dyn RngCore) -> ServiceReply {
        let Some(request) = KvRequest::parse(body) else {
            return unknown_request(self.id(), body);
        };
        let replica = &mut self.replicas[rng.gen_range(0..REPLICAS)];
        ServiceReply::Reply(replica.handle(&request, Flavour::LastWriteWins))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use serde_json::json;
    use std::collections::BTreeSet;

    fn call(kv: &mut LwwKv, rng: &mut StdRng, body: Json) -> Json {
        match kv.handle("n1", &body, rng) {
            ServiceReply::Reply(reply) => reply,
            ServiceReply::NoReply(reason) => panic!("{reason}"),
        }
    }

    #[test]
    fn a_write_lands_on_one_replica_and_reads_flip_forever() {
        let mut rng = StdRng::seed_from_u64(11);
        let kv = &mut LwwKv::default();
        assert_eq!(
            call(
                kv,
                &mut rng,
                json!({"type": "write", "key": "x", "value": 1})
            ),
            json!({"type": "write_ok"})
        );
        let mut seen = BTreeSet::new();
        for round in 0..1000 {
            let reply = call(kv, &mut rng, json!({"type": "read", "key": "x"}));
            if round >= 900 {
                seen.insert(reply.to_string());
            }
        }
        assert_eq!(
            seen,
            BTreeSet::from([
                json!({"type": "read_ok", "value": 1}).to_string(),
                json!({"type": "error", "code": 20, "text": "key does not exist"}).to_string(),
            ]),
            "after 900 reads the replicas still disagree"
        );
    }

    #[test]
    fn two_writes_can_leave_the_replicas_disagreeing_for_good() {
        let mut diverged = 0;
        for seed in 0..100 {
            let mut rng = StdRng::seed_from_u64(seed);
            let kv = &mut LwwKv::default();
            call(
                kv,
                &mut rng,
                json!({"type": "write", "key": "x", "value": 1}),
            );
            call(
                kv,
                &mut rng,
                json!({"type": "write", "key": "x", "value": 2}),
            );
            let values: BTreeSet<String> = (0..50)
                .map(|_| call(kv, &mut rng, json!({"type": "read", "key": "x"})).to_string())
                .collect();
            if values.len() == 2 && values.iter().all(|v| v.contains("read_ok")) {
                diverged += 1;
            }
        }
        // The writes hit different replicas half of the time.
        assert!((30..=70).contains(&diverged), "{diverged}");
    }

    #[test]
    fn cas_ignores_create_if_not_exists_and_prints_from_with_str() {
        let mut rng = StdRng::seed_from_u64(5);
        let kv = &mut LwwKv::default();
        for _ in 0..20 {
            assert_eq!(
                call(
                    kv,
                    &mut rng,
                    json!({"type": "cas", "key": "k", "from": 0, "to": 1, "create_if_not_exists": true})
                ),
                json!({"type": "error", "code": 20, "text": "key does not exist"})
            );
        }
        // Write the same value to both replicas, then probe each error and success.
        while kv.replicas.iter().any(|r| r == &KvState::default()) {
            call(
                kv,
                &mut rng,
                json!({"type": "write", "key": "k", "value": "a"}),
            );
        }
        assert_eq!(
            call(kv, &mut rng, json!({"type": "read", "key": "k"})),
            json!({"type": "read_ok", "value": "a"})
        );
        assert_eq!(
            call(
                kv,
                &mut rng,
                json!({"type": "cas", "key": "k", "from": "b", "to": "c"})
            ),
            json!({"type": "error", "code": 22, "text": "current value \"a\" is not b"})
        );
        assert_eq!(
            call(
                kv,
                &mut rng,
                json!({"type": "cas", "key": "k", "from": "a", "to": "c"})
            ),
            json!({"type": "cas_ok"})
        );
    }
}
