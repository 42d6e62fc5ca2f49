//! How long a message between nodes, or between a node and a service, travels: Maelstrom's
//! `--latency` and `--latency-dist` (spec §4.2). Messages that involve a client travel instantly
//! and never draw from it.

use rand::Rng;

use crate::options::{LatencyDist, TestOptions};

/// How long a message that involves no client takes, in whole milliseconds (spec §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// Always the mean.
    Constant(u64),
    /// Integers uniform on `[0, 2 × mean)`. Maelstrom hangs with a mean of 0; here it is 0.
    Uniform(u64),
    /// Exponential with the given mean, truncated to whole milliseconds.
    Exponential(u64),
}

impl Latency {
    pub fn from_options(opts: &TestOptions) -> Latency {
        match opts.latency_dist {
            LatencyDist::Constant => Latency::Constant(opts.latency_ms),
            LatencyDist::Uniform => Latency::Uniform(opts.latency_ms),
            LatencyDist::Exponential => Latency::Exponential(opts.latency_ms),
        }
    }

    /// Draws one latency in milliseconds.
    pub fn draw(self, rng: &mut impl Rng) -> u64 {
        match self {
            Latency::Constant(mean) => mean,
            Latency::Uniform(0) => 0,
            Latency::Uniform(mean) => rng.gen_range(0..2 * mean),
            Latency::Exponential(0) => 0,
            Latency::Exponential(mean) => {
                // 1 - U lies in (0, 1], so the logarithm is finite.
                let u: f64 = 1.0 - rng.gen::<f64>();
                (-u.ln() * mean as f64) as u64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    /// `n` draws from one seeded generator, and their mean.
    fn draws(latency: Latency, n: usize) -> (Vec<u64>, f64) {
        let mut r = rng();
        let draws: Vec<u64> = (0..n).map(|_| latency.draw(&mut r)).collect();
        let mean = draws.iter().sum::<u64>() as f64 / n as f64;
        (draws, mean)
    }

    #[test]
    fn constant_latency_is_the_mean() {
        assert_eq!(Latency::Constant(100).draw(&mut rng()), 100);
    }

    #[test]
    fn uniform_latency_stays_below_twice_the_mean() {
        let (draws, mean) = draws(Latency::Uniform(50), 10_000);
        assert!(draws.iter().all(|d| *d < 100));
        assert!(draws.contains(&0) && draws.contains(&99));
        assert!((mean - 49.5).abs() < 1.5, "{mean}");
        assert_eq!(Latency::Uniform(0).draw(&mut rng()), 0);
    }

    #[test]
    fn exponential_latency_has_the_mean_truncated() {
        let (draws, mean) = draws(Latency::Exponential(100), 20_000);
        // Truncation lowers the mean by about half a millisecond.
        assert!((mean - 99.5).abs() < 3.0, "{mean}");
        assert!(draws.iter().any(|d| *d > 400));
    }
}
