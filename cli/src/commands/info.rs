//! `info`: per application, its events, aggregates, snapshots and highest notification id;
//! per follower (its tracking rows), its position and how far it is behind each leader.

use std::io::Write;
use std::process::ExitCode;

use sea_orm::ConnectionTrait;
use serde_json::json;

use super::rekey::PROGRESS_PREFIX;
use crate::error::CliError;
use crate::options::Format;
use crate::store::{Store, Table};

/// One application's figures.
struct Application {
    name: String,
    events: i64,
    aggregates: i64,
    snapshots: i64,
    max_notification_id: Option<i64>,
}

/// One follower's position in one leader's log.
struct Follower {
    follower: String,
    leader: String,
    position: Option<i64>,
    /// How many of the leader's events are after the position; `None` when the leader's
    /// events are not in these tables.
    behind: Option<u64>,
}

/// Prints the figures.
pub async fn run(store: &Store, format: Format) -> Result<ExitCode, CliError> {
    let applications = applications(store).await?;
    let followers = followers(store, &applications).await?;
    let mut out = std::io::stdout().lock();
    let written = match format {
        Format::Json => {
            let object = json!({
                "applications": applications.iter().map(|a| json!({
                    "name": a.name,
                    "events": a.events,
                    "aggregates": a.aggregates,
                    "snapshots": a.snapshots,
                    "max_notification_id": a.max_notification_id,
                })).collect::<Vec<_>>(),
                "followers": followers.iter().map(|f| json!({
                    "follower": f.follower,
                    "leader": f.leader,
                    "position": f.position,
                    "behind": f.behind,
                })).collect::<Vec<_>>(),
            });
            writeln!(out, "{object}")
        }
        Format::Text => {
            let mut text = String::new();
            if applications.is_empty() {
                text.push_str("no events\n");
            }
            for a in &applications {
                text.push_str(&format!(
                    "{}: {} event(s) of {} aggregate(s), {} snapshot(s), last notification {}\n",
                    a.name,
                    a.events,
                    a.aggregates,
                    a.snapshots,
                    a.max_notification_id
                        .map_or_else(|| "none".to_owned(), |n| n.to_string()),
                ));
            }
            for f in &followers {
                let behind = f.behind.map_or_else(
                    || "leader not in these tables".to_owned(),
                    |n| format!("{n} behind"),
                );
                text.push_str(&format!(
                    "{} <- {}: at {}, {behind}\n",
                    f.follower,
                    f.leader,
                    f.position
                        .map_or_else(|| "none".to_owned(), |n| n.to_string()),
                ));
            }
            write!(out, "{text}")
        }
    };
    written.map_err(|e| CliError::io("writing the output", e))?;
    Ok(ExitCode::SUCCESS)
}

/// The applications with events (and those with only snapshots), by name.
async fn applications(store: &Store) -> Result<Vec<Application>, CliError> {
    let (filter, values) = store.app_filter();
    let app = store.q("application_name");
    let events = store
        .grouped(
            "stored events",
            format!(
                "SELECT {app}, COUNT(*), COUNT(DISTINCT {}), MAX({}) FROM {}{filter} GROUP BY {app}",
                store.q("originator_id"),
                store.q("id"),
                store.table_name(Table::Events),
            ),
            values.clone(),
            3,
        )
        .await?;
    let snapshots = store
        .grouped(
            "snapshots",
            format!(
                "SELECT {app}, COUNT(*) FROM {}{filter} GROUP BY {app}",
                store.table_name(Table::Snapshots),
            ),
            values,
            1,
        )
        .await?;
    let mut applications: Vec<Application> = events
        .into_iter()
        .map(|(name, n)| Application {
            name,
            events: n[0].unwrap_or(0),
            aggregates: n[1].unwrap_or(0),
            snapshots: 0,
            max_notification_id: n[2],
        })
        .collect();
    for (name, n) in snapshots {
        match applications.iter_mut().find(|a| a.name == name) {
            Some(a) => a.snapshots = n[0].unwrap_or(0),
            None => applications.push(Application {
                name,
                events: 0,
                aggregates: 0,
                snapshots: n[0].unwrap_or(0),
                max_notification_id: None,
            }),
        }
    }
    applications.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(applications)
}

/// Every follower's position in each of its leaders' logs (`--app`: that follower's).
async fn followers(store: &Store, applications: &[Application]) -> Result<Vec<Follower>, CliError> {
    let (filter, values) = store.app_filter();
    let (app, upstream) = (
        store.q("application_name"),
        store.q("upstream_application_name"),
    );
    let sql = format!(
        "SELECT {app}, {upstream}, MAX({}) FROM {}{filter} GROUP BY {app}, {upstream} ORDER BY {app}, {upstream}",
        store.q("notification_id"),
        store.tracking_table(),
    );
    let rows = store
        .conn()
        .query_all_raw(store.statement(sql, values))
        .await
        .map_err(|e| CliError::Database(format!("reading the tracking table: {e}")))?;
    let mut followers = Vec::new();
    for row in rows {
        let read =
            |e: sea_orm::DbErr| CliError::Database(format!("reading the tracking table: {e}"));
        let follower: String = row.try_get_by_index(0).map_err(read)?;
        if follower.starts_with(PROGRESS_PREFIX) {
            continue;
        }
        let leader: String = row.try_get_by_index(1).map_err(read)?;
        let position: Option<i64> = row.try_get_by_index(2).map_err(read)?;
        let behind =
            if applications.iter().any(|a| a.name == leader) || store.application().is_some() {
                Some(behind(store, &leader, position).await?)
            } else {
                None
            };
        followers.push(Follower {
            follower,
            leader,
            position,
            behind,
        });
    }
    Ok(followers)
}

/// How many of `leader`'s events are after `position`.
async fn behind(store: &Store, leader: &str, position: Option<i64>) -> Result<u64, CliError> {
    let sql = format!(
        "SELECT COUNT(*) FROM {} WHERE {} = {} AND {} > {}",
        store.table_name(Table::Events),
        store.q("application_name"),
        store.p(1),
        store.q("id"),
        store.p(2),
    );
    let values = vec![leader.into(), position.unwrap_or(0).into()];
    Ok(store
        .scalar("stored events", sql, values)
        .await?
        .unwrap_or(0))
}
