//! Network statistics, as Maelstrom's net checker reports them (spec §4.4).
//!
//! Every message sent is counted once; every delivery once. Messages that involve a client (any
//! id starting with `c`) are client traffic; everything else — node↔node, node↔service, node→self —
//! is server traffic, the figure the 3d/3e and 5c budgets limit.

/// Counts for one group of messages.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NetGroup {
    pub send_count: u64,
    pub recv_count: u64,
    /// Distinct message ids; equal to `send_count` in practice.
    pub msg_count: u64,
    /// `msg_count / client invocations`, only for `all` and `servers`, only when there were any.
    pub msgs_per_op: Option<f64>,
}

/// Maelstrom's `:net` result.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NetStats {
    pub all: NetGroup,
    pub clients: NetGroup,
    pub servers: NetGroup,
}

/// Whether a message between these endpoints is client traffic (Maelstrom's `client?`: the id
/// starts with `c`).
pub fn involves_client(src: &str, dest: &str) -> bool {
    src.starts_with('c') || dest.starts_with('c')
}

impl NetStats {
    /// Fills in `msgs_per_op` from the number of client invocations, as Maelstrom does.
    pub fn with_op_count(mut self, invocations: u64) -> NetStats {
        let per_op =
            |g: &NetGroup| (invocations > 0).then(|| g.msg_count as f64 / invocations as f64);
        self.all.msgs_per_op = per_op(&self.all);
        self.servers.msgs_per_op = per_op(&self.servers);
        self.clients.msgs_per_op = None;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_and_nodes_are_servers_clients_are_not() {
        assert!(involves_client("c12", "n0"));
        assert!(involves_client("n0", "c3"));
        assert!(!involves_client("n0", "seq-kv"));
        assert!(!involves_client("lin-kv", "n1"));
    }

    #[test]
    fn msgs_per_op_only_for_all_and_servers() {
        let g = NetGroup {
            send_count: 10,
            recv_count: 10,
            msg_count: 10,
            msgs_per_op: None,
        };
        let s = NetStats {
            all: g,
            clients: g,
            servers: g,
        }
        .with_op_count(4);
        assert_eq!(s.servers.msgs_per_op, Some(2.5));
        assert_eq!(s.clients.msgs_per_op, None);
        assert_eq!(NetStats::default().with_op_count(0).all.msgs_per_op, None);
    }
}
