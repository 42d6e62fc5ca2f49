//! The reference Kafka-style log on stdin/stdout: one binary for levels 5a, 5b and 5c.
fn main() -> anyhow::Result<()> {
    common::run::<kafka::KafkaNode>()
}
