//! The single-threaded runner: every follower processes in the task of the save that prompted
//! it, before that save returns, until the system is quiescent. Deterministic, for tests.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::{Applications, Configure};
use crate::application::{ApplicationBuilder, SaveListener};
use crate::system::{System, SystemApplication, SystemError};

/// Runs a [`System`] in the tasks that save: after each save by a leader, before the save
/// returns, every follower of it pulls and processes, and so on down the pipes, until nothing
/// is left to process; as the Python original's `SingleThreadedRunner`.
///
/// A follower that cannot process a notification stops (the others go on); its error is kept
/// for [`take_errors`](Self::take_errors) and logged.
///
/// ```ignore
/// let runner = SingleThreadedRunner::new(system).configure(move |b| b.store(store.clone()));
/// runner.start().await?;
/// let worlds: Worlds = runner.get()?;
/// worlds.create_world().await?;               // Counters has processed it when this returns
/// let counters: Counters = runner.get()?;
/// ```
pub struct SingleThreadedRunner {
    system: System,
    configure: Configure,
    state: Mutex<State>,
}

enum State {
    NotStarted,
    Running(Arc<Prompter>),
    Stopped,
}

impl std::fmt::Debug for SingleThreadedRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SingleThreadedRunner")
            .field("system", &self.system)
            .finish_non_exhaustive()
    }
}

impl SingleThreadedRunner {
    /// A runner of `system`, not started.
    pub fn new(system: System) -> Self {
        Self {
            system,
            configure: Arc::new(|builder| builder),
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

    /// Builds the applications, makes the followers follow their leaders, and catches every
    /// follower up with what its leaders recorded before. A runner starts once.
    pub async fn start(&self) -> Result<(), SystemError> {
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if !matches!(*state, State::NotStarted) {
                return Err(SystemError::AlreadyStarted);
            }
            // Claimed now: a second start fails even while this one builds.
            *state = State::Stopped;
        }
        let apps = Applications::build(&self.system, &self.configure).await?;
        let prompter = Arc::new(Prompter {
            system: self.system.clone(),
            apps,
            queue: Mutex::new(VecDeque::new()),
            prompting: Mutex::new(false),
            stopped: Mutex::new(HashSet::new()),
            errors: Mutex::new(Vec::new()),
        });
        let listener: Arc<dyn SaveListener> = prompter.clone();
        for leader in prompter.apps.leaders(&self.system) {
            leader
                .application
                .lead(Arc::downgrade(&listener) as Weak<dyn SaveListener>);
        }
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) =
            State::Running(prompter.clone());
        for leader in self.system.leaders() {
            prompter.prompt(leader).await;
        }
        Ok(())
    }

    fn prompter(&self) -> Result<Arc<Prompter>, SystemError> {
        match &*self.state.lock().unwrap_or_else(PoisonError::into_inner) {
            State::Running(prompter) => Ok(prompter.clone()),
            _ => Err(SystemError::NotStarted),
        }
    }

    /// The application of type `A`.
    pub fn get<A: SystemApplication>(&self) -> Result<A, SystemError> {
        self.prompter()?.apps.get()
    }

    /// The errors of followers that stopped since the last call.
    pub fn take_errors(&self) -> Vec<SystemError> {
        self.prompter()
            .map(|p| std::mem::take(&mut *p.errors.lock().unwrap_or_else(PoisonError::into_inner)))
            .unwrap_or_default()
    }

    /// Stops: saves no longer prompt the followers. Returns the errors of followers that
    /// stopped, if any.
    pub fn stop(&self) -> Result<(), SystemError> {
        let state = std::mem::replace(
            &mut *self.state.lock().unwrap_or_else(PoisonError::into_inner),
            State::Stopped,
        );
        let State::Running(prompter) = state else {
            return Err(SystemError::NotStarted);
        };
        let errors = std::mem::take(
            &mut *prompter
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

/// Hears the leaders' saves and runs their followers.
struct Prompter {
    system: System,
    apps: Applications,
    /// Leaders whose followers are yet to pull, in the order they were prompted.
    queue: Mutex<VecDeque<&'static str>>,
    /// Whether some task is running the queue (the one that prompted first).
    prompting: Mutex<bool>,
    /// Followers that stopped at an error.
    stopped: Mutex<HashSet<String>>,
    errors: Mutex<Vec<SystemError>>,
}

impl std::fmt::Debug for Prompter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prompter").finish_non_exhaustive()
    }
}

impl Prompter {
    /// Queues `leader`'s followers; runs the queue unless a task is running it already (this
    /// one, further up: a follower's save prompts its own followers from inside the run).
    async fn prompt(&self, leader: &str) {
        let Some(leader) = self.system.leaders().into_iter().find(|l| *l == leader) else {
            return;
        };
        {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            if !queue.contains(&leader) {
                queue.push_back(leader);
            }
        }
        loop {
            {
                let mut prompting = self
                    .prompting
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if *prompting {
                    return;
                }
                *prompting = true;
            }
            while let Some(leader) = self.pop() {
                for (follower, leaders) in &self.apps.followers {
                    if !leaders.contains(&leader) {
                        continue;
                    }
                    let name = follower.name();
                    if self
                        .stopped
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .contains(name)
                    {
                        continue;
                    }
                    if let Err(error) = follower.pull_and_process(leader).await {
                        tracing::error!(follower = %name, leader, %error, "follower stopped");
                        self.stopped
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .insert(name.to_owned());
                        self.errors
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(error);
                    }
                }
            }
            *self
                .prompting
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = false;
            // A prompt queued after the last pop and before the flag went down is ours to run.
            if self
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_empty()
            {
                return;
            }
        }
    }

    fn pop(&self) -> Option<&'static str> {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }
}

impl SaveListener for Prompter {
    fn saved<'a>(
        &'a self,
        application_name: &'a str,
        _max_notification_id: Option<u64>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(self.prompt(application_name))
    }
}
