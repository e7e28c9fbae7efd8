//! Timing: a unit of work repeated until a budget of steps or time runs out, the library and
//! the raw driver alternating over several short repetitions, and the pair of adjacent
//! repetitions whose ratio is the median.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::BenchError;

/// When a measurement stops: after `max_steps` steps or once `max_time` has passed, whichever
/// comes first (slow transports then still finish in time).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Most steps.
    pub max_steps: u64,
    /// Most time.
    pub max_time: Duration,
}

/// How a comparison is run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Each repetition's budget.
    pub budget: Budget,
    /// Repetitions of each side: the pair whose ratio is the median is reported.
    pub repetitions: usize,
    /// Untimed steps of each side first: prepares the statements on each pooled connection
    /// and lets the pool open the few connections a sequential user needs (over TCP to
    /// PostgreSQL a new connection is slow: TLS is negotiated by default and its handshake
    /// stalls on Nagle's algorithm, docs/deployment.md).
    pub warmup_steps: u64,
}

/// What one measurement did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Steps done (saves, loads, sections…).
    pub steps: u64,
    /// Events they covered.
    pub events: u64,
    /// Time taken.
    pub elapsed: Duration,
}

/// A throughput: steps and events per second.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rate {
    /// Steps per second (saves/s, loads/s, sections/s).
    pub steps_per_s: f64,
    /// Events per second.
    pub events_per_s: f64,
}

impl Sample {
    /// The sample's throughput.
    pub fn rate(&self) -> Rate {
        let seconds = self.elapsed.as_secs_f64().max(1e-9);
        Rate {
            steps_per_s: self.steps as f64 / seconds,
            events_per_s: self.events as f64 / seconds,
        }
    }
}

/// One unit of work of a scenario (a save, a load, a section read…).
pub trait Work {
    /// Does one step and returns how many events it wrote or read.
    fn step(&mut self) -> impl Future<Output = Result<u64, BenchError>>;
}

/// Repeats the work within the budget.
pub async fn run<W: Work>(work: &mut W, budget: Budget) -> Result<Sample, BenchError> {
    let start = Instant::now();
    let mut steps = 0;
    let mut events = 0;
    while steps < budget.max_steps && start.elapsed() < budget.max_time {
        events += work.step().await?;
        steps += 1;
    }
    Ok(Sample {
        steps,
        events,
        elapsed: start.elapsed(),
    })
}

/// The median (the mean of the two middle values for an even count; 0 for none).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The median of each field over the samples' rates.
pub fn median_rate(samples: &[Sample]) -> Rate {
    let rates: Vec<Rate> = samples.iter().map(Sample::rate).collect();
    Rate {
        steps_per_s: median(&rates.iter().map(|r| r.steps_per_s).collect::<Vec<_>>()),
        events_per_s: median(&rates.iter().map(|r| r.events_per_s).collect::<Vec<_>>()),
    }
}

/// Measures two sides of a comparison in alternating repetitions, and returns the rates of the
/// repetition pair (one of each side, measured one after the other) whose ratio of steps per
/// second is the median of all the pairs' ratios.
///
/// Pairing is what makes a ratio stable on a shared machine: its speed drifts and jumps within
/// seconds, and two sides measured in adjacent windows mostly share what the machine was doing,
/// while the medians of each side taken separately can come from windows of different speed.
/// Which side goes first alternates, so that a machine getting busier or quieter during the
/// run favours neither.
pub async fn compare<A: Work, B: Work>(
    first: &mut A,
    second: &mut B,
    plan: &Plan,
) -> Result<(Rate, Rate), BenchError> {
    for _ in 0..plan.warmup_steps {
        first.step().await?;
        second.step().await?;
    }
    let mut pairs = Vec::with_capacity(plan.repetitions);
    for repetition in 0..plan.repetitions.max(1) {
        let (a, b) = if repetition % 2 == 0 {
            let a = run(first, plan.budget).await?;
            (a, run(second, plan.budget).await?)
        } else {
            let b = run(second, plan.budget).await?;
            (run(first, plan.budget).await?, b)
        };
        pairs.push((a.rate(), b.rate()));
    }
    Ok(median_pair(pairs))
}

/// The pair whose ratio (first ÷ second, in steps per second) is the median: of an even
/// number of pairs, the lower of the two middle ones.
pub fn median_pair(mut pairs: Vec<(Rate, Rate)>) -> (Rate, Rate) {
    let ratio = |(a, b): &(Rate, Rate)| a.steps_per_s / b.steps_per_s.max(f64::MIN_POSITIVE);
    pairs.sort_by(|x, y| ratio(x).total_cmp(&ratio(y)));
    match pairs.len() {
        0 => (Rate::default(), Rate::default()),
        n => pairs[(n - 1) / 2],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    fn rate(steps_per_s: f64) -> Rate {
        Rate {
            steps_per_s,
            events_per_s: steps_per_s * 10.0,
        }
    }

    #[test]
    fn the_median_pair_is_one_measured_pair() {
        assert_eq!(median_pair(Vec::new()), (Rate::default(), Rate::default()));
        // Ratios 0.5, 2.0, 0.9: the pair with 0.9, whatever each side's own median.
        let pairs = vec![
            (rate(50.0), rate(100.0)),
            (rate(400.0), rate(200.0)),
            (rate(90.0), rate(100.0)),
        ];
        assert_eq!(median_pair(pairs), (rate(90.0), rate(100.0)));
        // Of four, the lower middle one (0.8 of 0.5, 0.8, 1.0, 2.0).
        let pairs = vec![
            (rate(1.0), rate(2.0)),
            (rate(2.0), rate(1.0)),
            (rate(8.0), rate(10.0)),
            (rate(3.0), rate(3.0)),
        ];
        assert_eq!(median_pair(pairs), (rate(8.0), rate(10.0)));
    }

    struct Count(u64);

    impl Work for Count {
        async fn step(&mut self) -> Result<u64, BenchError> {
            self.0 += 1;
            Ok(2)
        }
    }

    #[tokio::test]
    async fn a_run_stops_at_its_step_budget() {
        let mut work = Count(0);
        let budget = Budget {
            max_steps: 5,
            max_time: Duration::from_secs(60),
        };
        let sample = run(&mut work, budget).await.unwrap();
        assert_eq!((sample.steps, sample.events, work.0), (5, 10, 5));
    }
}
