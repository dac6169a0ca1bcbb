//! The instruction set the run loops are compiled for, chosen once per run at run time.
//!
//! The release binary targets baseline x86-64 (SSE2), so it runs anywhere. On a CPU with AVX2
//! each run loop (the per-prompt one and the style model's) is a second copy of the same code
//! compiled with AVX2 enabled: the softmax's
//! exponentials and the other per-answer loops then work on four doubles at a time instead of
//! two. Both copies give the same bits: they do the same IEEE operations in the same order
//! (Rust never fuses a multiply and an add on its own, and FMA is not enabled; vectorising an
//! element-wise loop does not change its results, and no sum is reordered). A test runs every
//! arm on both copies and compares the results bit for bit.

use std::fmt;

/// A compiled copy of the run loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// Baseline x86-64 (SSE2), or whatever the target's baseline is on other architectures.
    Baseline,
    /// x86-64 with AVX2.
    Avx2,
}

impl Isa {
    /// Every copy, baseline first.
    pub const ALL: [Isa; 2] = [Isa::Baseline, Isa::Avx2];

    /// Whether this CPU can run the copy.
    pub fn available(self) -> bool {
        match self {
            Isa::Baseline => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx2 => false,
        }
    }

    /// The widest copy this CPU can run (detected once; later calls read a cached flag).
    pub fn detect() -> Isa {
        if Isa::Avx2.available() {
            Isa::Avx2
        } else {
            Isa::Baseline
        }
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Isa::Baseline => "baseline",
            Isa::Avx2 => "avx2",
        })
    }
}
