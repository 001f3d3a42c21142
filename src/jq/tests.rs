//! Unit tests of jq programs on real frames.
