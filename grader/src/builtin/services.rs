//! Maelstrom's built-in services: `lin-kv`, `seq-kv`, `lww-kv` and `lin-tso` (spec §6).
