//! How big each scenario is: the full run and the quick one.

use std::time::Duration;

use crate::measure::{Budget, Plan};

/// How big each scenario is.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// Budget and repetitions of each comparison.
    pub plan: Plan,
    /// Aggregates the command scenarios cycle through.
    pub command_aggregates: usize,
    /// Aggregates of 5 events to load.
    pub small_aggregates: usize,
    /// Aggregates of 1,000 events to load.
    pub large_aggregates: usize,
    /// How long each concurrency measurement runs.
    pub writers_time: Duration,
    /// Repetitions of each concurrency measurement.
    pub writers_repetitions: usize,
    /// How long the notification-order check runs.
    pub check_time: Duration,
    /// Aggregates loaded one after another in the memory scenario.
    pub memory_aggregates: usize,
    /// Upstream events of the process applications' leader, which a fresh follower catches
    /// up with (issue 23).
    pub upstream_events: usize,
    /// Upstream events the Python original's process application is timed over (it takes
    /// about a millisecond each).
    pub python_events: usize,
    /// Upstream events each pass of the projection's throughput row goes over (issue 24).
    pub projection_events: usize,
    /// How long the writer of the projection's lag rows saves at 1,000 saves a second.
    pub lag_time: Duration,
}

impl Sizes {
    /// The full run: a few minutes on 2 cores for all five targets.
    pub fn full() -> Self {
        Self {
            plan: Plan {
                budget: Budget {
                    max_steps: 1_000_000,
                    max_time: Duration::from_millis(200),
                },
                repetitions: 7,
                warmup_steps: 20,
            },
            command_aggregates: 500,
            small_aggregates: 200,
            large_aggregates: 8,
            writers_time: Duration::from_millis(600),
            writers_repetitions: 2,
            check_time: Duration::from_millis(1500),
            memory_aggregates: 10_000,
            upstream_events: 100_000,
            python_events: 2_000,
            projection_events: 10_000,
            lag_time: Duration::from_secs(3),
        }
    }

    /// The quick run: well under a minute, one repetition, small sizes.
    pub fn quick() -> Self {
        Self {
            plan: Plan {
                budget: Budget {
                    max_steps: 1_000_000,
                    max_time: Duration::from_millis(70),
                },
                repetitions: 1,
                warmup_steps: 20,
            },
            command_aggregates: 100,
            small_aggregates: 50,
            large_aggregates: 2,
            writers_time: Duration::from_millis(150),
            writers_repetitions: 1,
            check_time: Duration::from_millis(300),
            memory_aggregates: 1_000,
            upstream_events: 10_000,
            python_events: 300,
            projection_events: 2_000,
            lag_time: Duration::from_secs(1),
        }
    }
}
