//! Seeds and random streams.
//!
//! Every random draw in the project comes from one named portable generator, ChaCha8
//! (`rand_chacha::ChaCha8Rng`), seeded from a SHA-256 of labelled parts. Seeds are derived from
//! *what* a run is (master seed, canonical config, replicate, arm) and never from thread, shard or
//! run order, so a run gives the same bytes alone, in parallel or in a shard.
//!
//! The helpers below turn raw 64-bit words into uniforms and bounded integers with fixed,
//! documented algorithms, so the streams do not depend on the distribution code of a `rand`
//! release.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

/// The project's one generator.
pub type SimRng = ChaCha8Rng;

/// A 256-bit seed.
pub type Seed = [u8; 32];

/// SHA-256 over length-prefixed parts, so `["ab","c"]` and `["a","bc"]` differ.
pub fn derive_seed(parts: &[&[u8]]) -> Seed {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let out = h.finalize();
    let mut seed = [0u8; 32];
    seed.copy_from_slice(out.as_slice());
    seed
}

/// The seed of replicate `replicate` of a simulator config, from the config's canonical form:
/// shared by every arm of the replicate (common random numbers).
pub fn replicate_seed(canonical_config: &str, replicate: u64) -> Seed {
    derive_seed(&[
        b"rlvr-audit/run/v1",
        canonical_config.as_bytes(),
        &replicate.to_le_bytes(),
    ])
}

/// The seed of an arm's reward draws within a replicate (`arm` as the arm prints).
pub fn reward_seed(replicate_seed: &Seed, arm: &str) -> Seed {
    derive_seed(&[replicate_seed, b"reward", arm.as_bytes()])
}

/// The streams of a replicate seed, one per kind of draw; every arm of the replicate draws the
/// same numbers from each.
pub mod streams {
    /// The prompts' Beta priors and format rates.
    pub const PROMPTS: u64 = 0;
    /// Each step's batch of prompts.
    pub const BATCH: u64 = 1;
    /// The sampled answers (and styles).
    pub const SAMPLES: u64 = 2;
    /// The per-prompt answer orders that break plurality ties.
    pub const TIES: u64 = 3;
}

/// A generator on stream `stream` of `seed`; streams of one seed are independent sequences.
pub fn stream(seed: &Seed, stream: u64) -> SimRng {
    let mut rng = ChaCha8Rng::from_seed(*seed);
    rng.set_stream(stream);
    rng
}

/// Uniform on [0, 1) with 53 random bits (the top bits of one 64-bit word).
#[inline]
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform integer in `0..n` (Lemire's multiply-and-reject; unbiased). `n` must be positive.
///
/// A draw is rejected when the low word of `x·n` is below `2^64 mod n`; since that threshold is
/// below `n`, it is computed (one 64-bit division) only when the low word is below `n`, which is
/// rare. The draws consumed and the value returned are those of the plain rejection loop.
#[inline]
pub fn below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    debug_assert!(n > 0);
    let n = n as u64;
    let mut m = (rng.next_u64() as u128) * (n as u128);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = (rng.next_u64() as u128) * (n as u128);
        }
    }
    (m >> 64) as usize
}

/// An index drawn from the distribution `probs` with one uniform (inverse CDF: the first index
/// whose running sum exceeds the uniform).
#[inline]
pub fn categorical<R: Rng + ?Sized>(probs: &[f64], rng: &mut R) -> usize {
    let u = uniform(rng);
    let mut acc = 0.0;
    for (a, &p) in probs.iter().enumerate() {
        acc += p;
        if u < acc {
            return a;
        }
    }
    last_with_mass(probs)
}

/// Where rounding left a running sum of `probs` just below 1 and the uniform above it: the last
/// index with mass.
#[inline]
pub fn last_with_mass(probs: &[f64]) -> usize {
    probs
        .iter()
        .rposition(|&p| p > 0.0)
        .unwrap_or(probs.len() - 1)
}

/// Bernoulli(p) from one uniform.
#[inline]
pub fn bernoulli<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    uniform(rng) < p
}

/// Lower-case hex of the first 8 bytes of a seed, for printing provenance.
pub fn seed_hex(seed: &Seed) -> String {
    seed[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// How the run seeds behind simulated numbers were derived (`seeds` in the JSON records).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Seeds {
    /// The config's master seed.
    pub master: u64,
    pub replicates: u64,
    pub generator: &'static str,
    /// The derivation, in words.
    pub derivation: &'static str,
}

impl Seeds {
    pub fn of(master: u64, replicates: u64) -> Seeds {
        Seeds {
            master,
            replicates,
            generator: "ChaCha8 (rand_chacha)",
            derivation: "replicate seed = SHA-256(\"rlvr-audit/run/v1\", canonical config JSON, replicate); \
                         prompt, batch and sample streams are shared by the arms of a replicate; \
                         reward draws use SHA-256(replicate seed, \"reward\", arm)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_hits_every_value() {
        let mut rng = stream(&derive_seed(&[b"t"]), 0);
        let mut seen = [0usize; 7];
        for _ in 0..7000 {
            seen[below(&mut rng, 7)] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800 && c < 1200), "{seen:?}");
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn below_equals_the_plain_rejection_loop() {
        // The plain loop computes the threshold on every draw. Large n makes rejections
        // common (n = 2^63 + 1 rejects almost half the words), so both branches run.
        let plain = |rng: &mut SimRng, n: usize| -> usize {
            let n = n as u64;
            let threshold = n.wrapping_neg() % n;
            loop {
                let m = (rng.next_u64() as u128) * (n as u128);
                if (m as u64) >= threshold {
                    return (m >> 64) as usize;
                }
            }
        };
        let s = derive_seed(&[b"below"]);
        for n in [
            1,
            2,
            3,
            7,
            40,
            1 << 40,
            (1 << 63) + 1,
            (1 << 63) + (1 << 62),
            usize::MAX,
        ] {
            let (mut a, mut b) = (stream(&s, 0), stream(&s, 0));
            for _ in 0..2000 {
                assert_eq!(below(&mut a, n), plain(&mut b, n), "n = {n}");
            }
            // The same number of words consumed.
            assert_eq!(a.next_u64(), b.next_u64(), "n = {n}");
        }
    }

    #[test]
    fn length_prefix_separates_parts() {
        assert_ne!(derive_seed(&[b"ab", b"c"]), derive_seed(&[b"a", b"bc"]));
    }

    #[test]
    fn streams_differ() {
        let s = derive_seed(&[b"x"]);
        assert_ne!(stream(&s, 0).next_u64(), stream(&s, 1).next_u64());
    }
}
