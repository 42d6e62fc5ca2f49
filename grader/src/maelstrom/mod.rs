//! The Maelstrom engine: runs the real Maelstrom with a level's exact flags and reads its results.
