//! Catching followers up once, as `eventsourcing_django`'s `sync_followers` management command:
//! every selected follower pulls and processes what it has not seen of each leader, and what
//! the followers on one database record commits in one transaction (or is rolled back, for a
//! dry run).

use std::sync::Arc;

use super::progress::Progress;
use super::runner::{Applications, Configure};
use super::{System, SystemError};
use crate::application::{Application, ApplicationBuilder};
use crate::persistence::PersistenceError;
use crate::seaorm::SeaOrmStore;

/// What [`sync_followers`] does.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// The followers to catch up, by name; all of them when empty. A name that is not a
    /// follower of the system is an error.
    pub followers: Vec<String>,
    /// Processes everything, then rolls the transactions back: what would be recorded is
    /// checked (conflicts included), nothing is kept.
    pub dry_run: bool,
    /// Shows progress on standard error while followers process (when it is a terminal).
    pub progress: bool,
}

/// What [`sync_followers`] did, follower by follower.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Each selected follower, in the system's order.
    pub followers: Vec<FollowerSync>,
}

/// What one follower did.
#[derive(Debug)]
pub struct FollowerSync {
    /// The follower.
    pub follower: String,
    /// How many notifications of each leader it processed (recorded, unless it failed or
    /// the run was dry).
    pub processed: Vec<(String, u64)>,
    /// Why it recorded nothing, if it did not: a notification its policy could not process,
    /// or the failed write. The other followers went on.
    pub error: Option<SystemError>,
}

impl SyncReport {
    /// Whether every follower succeeded.
    pub fn is_ok(&self) -> bool {
        self.followers.iter().all(|f| f.error.is_none())
    }
}

/// Catches the selected followers of `system` up once. The applications are built with
/// `configure`, as a runner builds them. For each database (followers whose applications share
/// a store's pool), each follower gathers the policy's changes for everything it has not
/// processed, reading outside any transaction; then one transaction records every follower's
/// changes and tracking (each in a savepoint of its own, so that a follower whose write fails
/// is reported and the others are kept), and commits, or rolls back when `dry_run`.
/// Followers in memory record without a transaction (and nothing, when `dry_run`).
///
/// A follower's changes are gathered in memory until they are recorded: a follower of a
/// follower in the same database sees what its leader records in this run at the next one.
pub async fn sync_followers(
    system: &System,
    configure: impl Fn(ApplicationBuilder) -> ApplicationBuilder + Send + Sync + 'static,
    options: &SyncOptions,
) -> Result<SyncReport, SystemError> {
    let configure: Configure = Arc::new(configure);
    let apps = Applications::build(system, &configure).await?;
    let followers = system.followers();
    for name in &options.followers {
        if !followers.contains(&name.as_str()) {
            return Err(SystemError::UnknownApplication {
                name: format!("{name} (a follower; the system's followers are {followers:?})"),
            });
        }
    }
    let selected: Vec<_> = apps
        .followers
        .iter()
        .filter(|(f, _)| {
            options.followers.is_empty() || options.followers.iter().any(|n| n == f.name())
        })
        .map(|(f, _)| f)
        .collect();
    let mut progress = Progress::new(options.progress);
    let mut gathered = Vec::with_capacity(selected.len());
    for follower in &selected {
        let name = follower.name().to_owned();
        let result = follower
            .gather(&mut |leader, count, last| {
                progress.show(|| {
                    let last = last.map_or_else(|| "?".to_owned(), |l| l.to_string());
                    format!(
                        "{name} <- {leader}: {count} processed (leader's last notification {last})"
                    )
                })
            })
            .await;
        progress.done();
        gathered.push(((*follower).clone(), Some(result)));
    }
    let mut report = SyncReport::default();
    // One transaction per database: the stores of the gathered followers, grouped by pool.
    let mut groups: Vec<(Option<SeaOrmStore>, Vec<usize>)> = Vec::new();
    for (i, (follower, _)) in gathered.iter().enumerate() {
        let store = store_of(follower.application());
        match groups.iter_mut().find(|(s, _)| match (s, &store) {
            (Some(a), Some(b)) => a.shares_pool_with(b),
            _ => false,
        }) {
            Some((_, members)) => members.push(i),
            None => groups.push((store, vec![i])),
        }
    }
    let mut outcomes: Vec<Option<FollowerSync>> = (0..gathered.len()).map(|_| None).collect();
    for (store, members) in groups {
        let transaction = match &store {
            Some(store) => Some(store.begin().await.map_err(|e| {
                SystemError::application(
                    gathered[members[0]].0.name(),
                    PersistenceError::Database {
                        application_name: String::new(),
                        operation: "beginning the sync's transaction",
                        source: Box::new(e),
                    },
                )
            })?),
            None => None,
        };
        for i in members {
            let (follower, result) = &mut gathered[i];
            let Some(result) = result.take() else {
                continue;
            };
            let outcome = match result {
                Err(error) => FollowerSync {
                    follower: follower.name().to_owned(),
                    processed: Vec::new(),
                    error: Some(error),
                },
                Ok(gathered) => {
                    let write = match gathered.processing {
                        None => Ok(()),
                        Some(processing) => {
                            let tracking = processing.trackings();
                            let changes = processing.into_saveable();
                            let application = follower.application();
                            match &transaction {
                                Some(transaction) => application
                                    .save_with_trackings_in(transaction, changes, &tracking)
                                    .await
                                    .map(|_| ()),
                                None if options.dry_run => Ok(()),
                                None => application
                                    .save_with_trackings(changes, &tracking)
                                    .await
                                    .map(|_| ()),
                            }
                        }
                    };
                    FollowerSync {
                        follower: follower.name().to_owned(),
                        processed: gathered.counts,
                        error: write
                            .err()
                            .map(|source| SystemError::application(follower.name(), source)),
                    }
                }
            };
            outcomes[i] = Some(outcome);
        }
        if let Some(transaction) = transaction {
            let ended = if options.dry_run {
                transaction.rollback().await
            } else {
                transaction.commit().await
            };
            if let Err(error) = ended {
                return Err(SystemError::application(
                    "sync_followers",
                    PersistenceError::OutcomeUnknown {
                        application_name: String::new(),
                        operation: "committing the sync's transaction",
                        source: Box::new(error),
                    },
                ));
            }
        }
    }
    report.followers = outcomes.into_iter().flatten().collect();
    Ok(report)
}

fn store_of(application: &Application) -> Option<SeaOrmStore> {
    application
        .seaorm_recorders()
        .map(|recorders| recorders.events.store().clone())
}
