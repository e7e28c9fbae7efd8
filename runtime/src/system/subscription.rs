//! A subscription to an application's events: every event recorded after a position, as an
//! async `Stream`, for ever. It catches up from the store, then waits for new notifications:
//! woken at once by the saves of the application in this process, by PostgreSQL's
//! notifications of saves in other processes when the store sends them
//! ([`SeaOrmStore::with_notifications`](crate::seaorm::SeaOrmStore::with_notifications)), and
//! polling for the rest (writers that send none, such as a Django application).
//!
//! Notification ids increase in the order their saves commit (the recorders' guarantee): once
//! a subscription has read id `n`, no save commits an id below `n` later, so reading on from
//! the last id read never skips one.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::stream::{self, BoxStream};
use tokio::sync::Notify;
use tokio::time::Instant;

use sea_orm::sqlx::{self, postgres::PgListener};

use super::{LeaderLog, SystemError, Topics, UpstreamEvent};
use crate::application::{Application, SaveListener};

/// How often a subscription looks for notifications that other processes recorded, unless
/// [`Subscribe::poll_interval`] says.
pub const DEFAULT_SUBSCRIPTION_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How many notifications a subscription reads per select.
const SELECT_SIZE: u64 = 100;

/// A subscription being set up: [`Subscribe::to`] an application, from a position, with topics;
/// then [`stream`](Self::stream).
///
/// ```ignore
/// let mut events = Subscribe::to(worlds.application()).after(position).stream();
/// while let Some(event) = events.next().await {
///     let event = event?;
///     // event.notification_id(), event.decode::<WorldEvent>()?, …
/// }
/// ```
#[derive(Debug)]
pub struct Subscribe {
    log: LeaderLog,
    leader: Option<Application>,
    /// PostgreSQL: the pool to listen with and the channel saves notify on.
    listen: Option<(sqlx::PgPool, String)>,
    after: Option<u64>,
    topics: Topics,
    poll_interval: Duration,
}

impl Subscribe {
    /// A subscription to an application of this process: woken by each of its saves.
    pub fn to(leader: &Application) -> Self {
        Self {
            log: LeaderLog::of(leader),
            leader: Some(leader.clone()),
            listen: notifications_of(leader),
            after: None,
            topics: Topics::all(),
            poll_interval: DEFAULT_SUBSCRIPTION_POLL_INTERVAL,
        }
    }

    /// A subscription to the log of an application elsewhere (see [`LeaderLog::from_settings`]):
    /// it polls.
    pub fn to_log(log: LeaderLog) -> Self {
        Self {
            log,
            leader: None,
            listen: None,
            after: None,
            topics: Topics::all(),
            poll_interval: DEFAULT_SUBSCRIPTION_POLL_INTERVAL,
        }
    }

    /// Starts after this notification id (from the start when not given).
    pub fn after(mut self, notification_id: Option<u64>) -> Self {
        self.after = notification_id;
        self
    }

    /// Only these topics (the filter runs in the database's select).
    pub fn topics(mut self, topics: Topics) -> Self {
        self.topics = topics;
        self
    }

    /// How often it looks for what other processes recorded (default
    /// [`DEFAULT_SUBSCRIPTION_POLL_INTERVAL`]).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The events, in notification order, for ever. A failed select is an `Err` item, and the
    /// stream tries again at the next poll. Dropping the stream ends the subscription.
    pub fn stream(self) -> BoxStream<'static, Result<UpstreamEvent, SystemError>> {
        let state = State {
            wakeup: Wakeup::new(self.leader.as_ref(), self.listen, self.poll_interval),
            log: self.log,
            position: self.after,
            topics: self.topics,
            buffer: VecDeque::new(),
        };
        Box::pin(stream::unfold(state, |mut state| async move {
            let next = state.next().await;
            Some((next, state))
        }))
    }
}

/// Woken by an application's saves: what a subscription or a projection waits on between
/// selects.
#[derive(Debug, Default)]
struct SaveWaker(Notify);

impl SaveWaker {
    /// Hears `application`'s saves from now on, for as long as this waker lives (the
    /// application holds it weakly).
    fn listen_to(self: &Arc<Self>, application: &Application) {
        let listener: Arc<dyn SaveListener> = self.clone();
        application.lead(Arc::downgrade(&listener) as Weak<dyn SaveListener>);
    }
}

impl SaveListener for SaveWaker {
    fn saved<'a>(
        &'a self,
        _application_name: &'a str,
        _max_notification_id: Option<u64>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        self.0.notify_one();
        Box::pin(std::future::ready(()))
    }
}

/// What waits for new notifications between selects: the saves of the application in this
/// process, PostgreSQL's notifications where its store sends them, and a poll.
pub(crate) struct Wakeup {
    waker: Arc<SaveWaker>,
    /// PostgreSQL: the pool to listen with and the channel saves notify on.
    listen: Option<(sqlx::PgPool, String)>,
    /// Listening on the channel: a connection of its own, closed with the wakeup.
    listener: Option<PgListener>,
    poll_interval: Duration,
    /// When the next poll is due: a poll interval after the last one fired, however long the
    /// caller's work between two waits took (else a save made just after a select would wait
    /// the interval plus that work).
    next_poll: Instant,
}

impl Wakeup {
    /// Woken by `leader`'s saves in this process (when given), by notifications on `listen`,
    /// and every `poll_interval`.
    pub(crate) fn new(
        leader: Option<&Application>,
        listen: Option<(sqlx::PgPool, String)>,
        poll_interval: Duration,
    ) -> Self {
        let waker = Arc::new(SaveWaker::default());
        if let Some(leader) = leader {
            waker.listen_to(leader);
        }
        Self {
            waker,
            listen,
            listener: None,
            poll_interval,
            next_poll: Instant::now() + poll_interval,
        }
    }

    /// Woken by `leader`'s saves, by the notifications its store sends (PostgreSQL, when
    /// [`SeaOrmStore::with_notifications`](crate::seaorm::SeaOrmStore::with_notifications)),
    /// and every `poll_interval`.
    pub(crate) fn of(leader: &Application, poll_interval: Duration) -> Self {
        Self::new(Some(leader), notifications_of(leader), poll_interval)
    }

    /// Returns at the next save, notification or poll, whichever comes first.
    pub(crate) async fn wait(&mut self) {
        if self.listener.is_none()
            && let Some((pool, channel)) = &self.listen
        {
            match listen(pool, channel).await {
                Ok(listener) => {
                    // Saves that committed before the LISTEN sent no notification it hears:
                    // the caller selects once more before waiting on it.
                    self.listener = Some(listener);
                    return;
                }
                Err(error) => {
                    tracing::warn!(%error, channel, "cannot listen for notifications: polling");
                    self.listen = None;
                }
            }
        }
        let poll = tokio::time::sleep_until(self.next_poll);
        let polled = match &mut self.listener {
            Some(listener) => {
                tokio::select! {
                    _ = self.waker.0.notified() => false,
                    _ = poll => true,
                    received = listener.recv() => match received {
                        Ok(_) => false,
                        Err(error) => {
                            // sqlx reconnects on the next `recv`; until then (a server that
                            // is down fails every `recv` at once) only the poll wakes, and
                            // the select after it catches up with anything missed.
                            tracing::debug!(%error, "listening for notifications failed");
                            tokio::time::sleep_until(self.next_poll).await;
                            true
                        }
                    },
                }
            }
            None => {
                tokio::select! {
                    _ = self.waker.0.notified() => false,
                    _ = poll => true,
                }
            }
        };
        if polled {
            self.next_poll = Instant::now() + self.poll_interval;
        }
    }
}

/// The pool and channel to listen on for `leader`'s saves, where its store sends
/// notifications.
fn notifications_of(leader: &Application) -> Option<(sqlx::PgPool, String)> {
    leader.seaorm_recorders().and_then(|recorders| {
        let store = recorders.events.store();
        let channel = store.notification_channel()?;
        Some((
            store.connection().get_postgres_connection_pool().clone(),
            channel,
        ))
    })
}

struct State {
    log: LeaderLog,
    position: Option<u64>,
    topics: Topics,
    wakeup: Wakeup,
    buffer: VecDeque<UpstreamEvent>,
}

impl State {
    async fn next(&mut self) -> Result<UpstreamEvent, SystemError> {
        loop {
            if let Some(event) = self.buffer.pop_front() {
                return Ok(event);
            }
            let selected = self
                .log
                .events_after(self.position, SELECT_SIZE, &self.topics, None)
                .await;
            match selected {
                Ok(events) if !events.is_empty() => {
                    self.position = events.last().map(UpstreamEvent::notification_id);
                    self.buffer.extend(events);
                }
                Ok(_) => self.wakeup.wait().await,
                Err(error) => {
                    // Not at once again: the next try is after the wait.
                    self.wakeup.wait().await;
                    return Err(SystemError::application(self.log.name(), error));
                }
            }
        }
    }
}

/// A listener on `channel`, on a connection of its own from `pool`.
async fn listen(pool: &sqlx::PgPool, channel: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    Ok(listener)
}
