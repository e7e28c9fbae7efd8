//! Runners: they build a system's applications, wire followers to their leaders, and drive the
//! followers.

mod concurrent;
mod single;
mod task;

use std::collections::HashMap;
use std::sync::Arc;

pub use concurrent::{DEFAULT_POLL_INTERVAL, DEFAULT_TAKEOVER_INTERVAL, Runner};
pub use single::SingleThreadedRunner;

use super::wiring::Built;
use super::{Follower, LeaderLog, System, SystemApplication, SystemError};
use crate::application::ApplicationBuilder;

/// How a runner configures each application's builder (its store or connection, settings).
pub(crate) type Configure = Arc<dyn Fn(ApplicationBuilder) -> ApplicationBuilder + Send + Sync>;

/// A system's applications, built, and its followers, wired to their leaders.
pub(crate) struct Applications {
    apps: HashMap<&'static str, Built>,
    /// Each follower with the leaders it follows, in the system's order.
    pub(crate) followers: Vec<(Follower, Vec<&'static str>)>,
}

impl Applications {
    pub(crate) async fn build(system: &System, configure: &Configure) -> Result<Self, SystemError> {
        let mut apps = HashMap::new();
        for node in system.nodes() {
            let builder = configure(ApplicationBuilder::new(node.name()));
            let built = node
                .build(builder)
                .await
                .map_err(|source| SystemError::application(node.name(), source))?;
            apps.insert(node.name(), built);
        }
        let mut followers = Vec::new();
        for name in system.followers() {
            let leaders = system.follows(name);
            let Some(mut follower) = apps.get(name).and_then(|b| b.follower.clone()) else {
                continue;
            };
            for leader in &leaders {
                if let Some(built) = apps.get(leader) {
                    follower = follower.follow(LeaderLog::of(&built.application));
                }
            }
            followers.push((follower, leaders));
        }
        Ok(Self { apps, followers })
    }

    /// The application of type `A`.
    pub(crate) fn get<A: SystemApplication>(&self) -> Result<A, SystemError> {
        self.apps
            .get(A::NAME)
            .and_then(|built| built.value.downcast_ref::<A>())
            .cloned()
            .ok_or_else(|| SystemError::UnknownApplication {
                name: A::NAME.to_owned(),
            })
    }

    /// The built applications that lead others.
    pub(crate) fn leaders<'a>(&'a self, system: &System) -> Vec<&'a Built> {
        system
            .leaders()
            .into_iter()
            .filter_map(|name| self.apps.get(name))
            .collect()
    }
}
