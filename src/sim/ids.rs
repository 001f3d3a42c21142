//! Made-up ids in the node's alphabet, for the story, its controls and its faults.

use fastrand::Rng;

const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// `n` base58 characters.
pub fn b58(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| B58[rng.usize(..B58.len())] as char)
        .collect()
}

/// A peer, order, notification or message id: a base58 sha2-256 multihash.
pub fn qm(rng: &mut Rng) -> String {
    format!("Qm{}", b58(rng, 44))
}
