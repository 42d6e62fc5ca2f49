//! Maelstrom's net checker (spec §4.4): always valid, it reports how chatty the nodes were.
//!
//! The figure that matters is server messages per operation, which levels 3d, 3e and 5c limit
//! (see [`super::budget`]).

use crate::checkers::labels;
use crate::checkers::number;
use crate::netstats::NetStats;
use crate::verdict::{Check, Figure};

/// Reports the network statistics.
pub fn check(net: &NetStats) -> Check {
    let per_op = |x: Option<f64>| x.map_or_else(|| "n/a".to_owned(), number);
    let summary = match net.servers.msgs_per_op {
        Some(x) => format!(
            "{} messages between servers, {} per operation ({} messages in all)",
            net.servers.msg_count,
            number(x),
            net.all.msg_count
        ),
        None => format!(
            "{} messages between servers ({} in all); no operation to divide by",
            net.servers.msg_count, net.all.msg_count
        ),
    };
    Check::valid("net", summary)
        .with_figure(Figure::new(
            labels::ALL_MSGS_PER_OP,
            per_op(net.all.msgs_per_op),
        ))
        .with_figure(Figure::new(
            labels::SERVER_MSGS_PER_OP,
            per_op(net.servers.msgs_per_op),
        ))
        .with_figure(Figure::new(
            labels::SERVER_MESSAGES,
            net.servers.msg_count.to_string(),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netstats::NetGroup;
    use crate::verdict::Validity;

    #[test]
    fn always_valid_with_its_figures() {
        let g = NetGroup {
            send_count: 30,
            recv_count: 28,
            msg_count: 30,
            msgs_per_op: None,
        };
        let net = NetStats {
            all: g,
            clients: NetGroup::default(),
            servers: g,
        }
        .with_op_count(4);
        let c = check(&net);
        assert_eq!(c.validity, Validity::Valid);
        let values: Vec<_> = c.figures.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(values, ["7.5", "7.5", "30"]);
    }
}
