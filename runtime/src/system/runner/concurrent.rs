//! The concurrent runner: one tokio task per follower, woken when a leader of this process
//! saves, and polling for what other processes record.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::task::{Signal, Task};
use super::{Applications, Configure};
use crate::application::{ApplicationBuilder, SaveListener};
use crate::system::{System, SystemApplication, SystemError};

/// How often a follower looks for notifications recorded by other processes, unless
/// [`Runner::poll_interval`] says.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How often a follower that another process runs tries to take over, unless
/// [`Runner::takeover_interval`] says.
pub const DEFAULT_TAKEOVER_INTERVAL: Duration = Duration::from_secs(1);

/// Runs a [`System`] with one tokio task per follower, as the Python original's
/// `MultiThreadedRunner` runs a thread per follower.
///
/// A follower's task pulls from its leaders as soon as one of them saves in this process, and
/// every [`poll_interval`](Self::poll_interval) in any case, to catch up with what other
/// processes record (another instance of the service, a Python application on the same
/// tables). On start, each follower first catches up from its tracking positions, so a
/// restarted service resumes where it stopped.
///
/// A follower that cannot process a notification stops; the others go on. Its error is kept
/// for [`take_errors`](Self::take_errors) and returned by [`stop`](Self::stop).
///
/// Several instances of a service may run the same system against one PostgreSQL or
/// MySQL/MariaDB database: each follower is then active in one process at a time. Its task
/// takes a lock named after the follower (an advisory or named lock, on a connection of its
/// own: [`SeaOrmStore::try_exclusive_lock`](crate::seaorm::SeaOrmStore::try_exclusive_lock))
/// before it processes anything, and the other processes' tasks try again every
/// [`takeover_interval`](Self::takeover_interval); when the active process dies or stops, its
/// connection ends, the server releases the lock, and another process takes over where the
/// tracking says. (Even two active instances would not process a notification twice: the
/// tracking rows are unique.) On SQLite and in memory there is no such lock.
///
/// ```ignore
/// let runner = Runner::new(system).configure(move |b| b.store(store.clone()));
/// runner.start().await?;
/// let worlds: Worlds = runner.get()?;
/// …
/// runner.stop().await?;
/// ```
pub struct Runner {
    system: System,
    configure: Configure,
    poll_interval: Duration,
    takeover_interval: Duration,
    exclusive: bool,
    state: Mutex<State>,
}

enum State {
    NotStarted,
    Starting,
    Running(Running),
    Stopped,
}

struct Running {
    apps: Arc<Applications>,
    wakers: Arc<Wakers>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    errors: Arc<Mutex<Vec<SystemError>>>,
    active: Arc<Mutex<Vec<String>>>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("system", &self.system)
            .field("poll_interval", &self.poll_interval)
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// A runner of `system`, not started.
    pub fn new(system: System) -> Self {
        Self {
            system,
            configure: Arc::new(|builder| builder),
            poll_interval: DEFAULT_POLL_INTERVAL,
            takeover_interval: DEFAULT_TAKEOVER_INTERVAL,
            exclusive: true,
            state: Mutex::new(State::NotStarted),
        }
    }

    /// Configures each application's builder (the runner names it): give all of them one store
    /// with `.store(store.clone())`, or settings.
    pub fn configure(
        mut self,
        configure: impl Fn(ApplicationBuilder) -> ApplicationBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure = Arc::new(configure);
        self
    }

    /// How often each follower looks for notifications that other processes recorded
    /// (default [`DEFAULT_POLL_INTERVAL`]).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// How often a follower that another process runs tries to take over (default
    /// [`DEFAULT_TAKEOVER_INTERVAL`]): about the longest a follower stays idle after the process
    /// that ran it died.
    pub fn takeover_interval(mut self, interval: Duration) -> Self {
        self.takeover_interval = interval;
        self
    }

    /// Whether each follower takes its lock, so that it is active in one process at a time
    /// (default yes; PostgreSQL and MySQL/MariaDB only).
    pub fn exclusive(mut self, exclusive: bool) -> Self {
        self.exclusive = exclusive;
        self
    }

    /// Builds the applications and starts one task per follower, which first catches up from
    /// its tracking positions. A runner starts once. Call it inside a tokio runtime.
    pub async fn start(&self) -> Result<(), SystemError> {
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if !matches!(*state, State::NotStarted) {
                return Err(SystemError::AlreadyStarted);
            }
            *state = State::Starting;
        }
        let apps = match Applications::build(&self.system, &self.configure).await {
            Ok(apps) => Arc::new(apps),
            Err(error) => {
                *self.state.lock().unwrap_or_else(PoisonError::into_inner) = State::Stopped;
                return Err(error);
            }
        };
        let (stop, stopping) = watch::channel(false);
        let errors = Arc::new(Mutex::new(Vec::new()));
        let active = Arc::new(Mutex::new(Vec::new()));
        let mut signals: HashMap<&'static str, Vec<Arc<Signal>>> = HashMap::new();
        let mut tasks = Vec::new();
        for (follower, leaders) in &apps.followers {
            let signal = Arc::new(Signal::default());
            for leader in leaders {
                signals.entry(leader).or_default().push(signal.clone());
            }
            let task = Task {
                follower: follower.clone(),
                leaders: leaders.clone(),
                signal,
                stopping: stopping.clone(),
                poll_interval: self.poll_interval,
                takeover_interval: self.takeover_interval,
                exclusive: self.exclusive,
                errors: errors.clone(),
                active: active.clone(),
            };
            tasks.push(tokio::spawn(task.run()));
        }
        let wakers = Arc::new(Wakers(signals));
        let listener: Arc<dyn SaveListener> = wakers.clone();
        for leader in apps.leaders(&self.system) {
            leader
                .application
                .lead(Arc::downgrade(&listener) as Weak<dyn SaveListener>);
        }
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = State::Running(Running {
            apps,
            wakers,
            stop,
            tasks,
            errors,
            active,
        });
        Ok(())
    }

    /// The followers this process runs now (all of them, unless other instances of the
    /// service run some: see the type's documentation).
    pub fn active_followers(&self) -> Vec<String> {
        match &*self.state.lock().unwrap_or_else(PoisonError::into_inner) {
            State::Running(running) => running
                .active
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            _ => Vec::new(),
        }
    }

    /// The application of type `A`.
    pub fn get<A: SystemApplication>(&self) -> Result<A, SystemError> {
        match &*self.state.lock().unwrap_or_else(PoisonError::into_inner) {
            State::Running(running) => running.apps.get(),
            _ => Err(SystemError::NotStarted),
        }
    }

    /// The errors of followers that stopped since the last call (each stopped follower's
    /// task has ended; the others run on).
    pub fn take_errors(&self) -> Vec<SystemError> {
        match &*self.state.lock().unwrap_or_else(PoisonError::into_inner) {
            State::Running(running) => std::mem::take(
                &mut *running
                    .errors
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner),
            ),
            _ => Vec::new(),
        }
    }

    /// Stops gracefully: each follower finishes the batch of notifications in hand, then its
    /// task ends. Returns the errors of followers that had stopped, if any.
    pub async fn stop(&self) -> Result<(), SystemError> {
        let state = std::mem::replace(
            &mut *self.state.lock().unwrap_or_else(PoisonError::into_inner),
            State::Stopped,
        );
        let State::Running(running) = state else {
            return Err(SystemError::NotStarted);
        };
        // Dropped first, so that saves no longer wake the tasks.
        drop(running.wakers);
        let _ = running.stop.send(true);
        for task in running.tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "a follower's task failed");
            }
        }
        let errors = std::mem::take(
            &mut *running
                .errors
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SystemError::Followers(errors))
        }
    }
}

/// Hears the leaders' saves and wakes their followers' tasks.
struct Wakers(HashMap<&'static str, Vec<Arc<Signal>>>);

impl std::fmt::Debug for Wakers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wakers").finish_non_exhaustive()
    }
}

impl SaveListener for Wakers {
    fn saved<'a>(
        &'a self,
        application_name: &'a str,
        _max_notification_id: Option<u64>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        if let Some((leader, signals)) = self.0.get_key_value(application_name) {
            for signal in signals {
                let mut prompted = signal
                    .prompted
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if !prompted.contains(leader) {
                    prompted.push(leader);
                }
                drop(prompted);
                signal.notify.notify_one();
            }
        }
        Box::pin(std::future::ready(()))
    }
}
