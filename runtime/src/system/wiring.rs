//! A system: applications wired into pipes, each application in a pipe following the one
//! before it, as the Python original's `System(pipes=[[A, B, C], [A, D]])`.

use std::any::{Any, TypeId};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::{Follower, ProcessApplication, SystemApplication, SystemError};
use crate::application::{Application, ApplicationBuilder, ApplicationError};

type BuildFuture = Pin<Box<dyn Future<Output = Result<Built, ApplicationError>> + Send>>;

/// An application of a system, built.
#[derive(Clone)]
pub(crate) struct Built {
    /// The application inside.
    pub(crate) application: Application,
    /// The user's application value (an `A: SystemApplication`).
    pub(crate) value: Arc<dyn Any + Send + Sync>,
    /// Its follower (without leaders yet), when it is a process application.
    pub(crate) follower: Option<Follower>,
}

/// An application in a pipe: [`app`] for any application, [`process`] for a process
/// application, which may follow others.
#[derive(Clone)]
pub struct Node {
    name: &'static str,
    type_id: TypeId,
    type_name: &'static str,
    is_process: bool,
    build: fn(ApplicationBuilder) -> BuildFuture,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("name", &self.name)
            .field("type", &self.type_name)
            .field("is_process", &self.is_process)
            .finish()
    }
}

impl Node {
    /// The application's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether it is a process application.
    pub fn is_process(&self) -> bool {
        self.is_process
    }

    pub(crate) async fn build(
        &self,
        builder: ApplicationBuilder,
    ) -> Result<Built, ApplicationError> {
        (self.build)(builder).await
    }
}

/// An application in a pipe, which leads the one after it. It cannot follow: in a follower's
/// place, write [`process`].
pub fn app<A: SystemApplication>() -> Node {
    fn build<A: SystemApplication>(builder: ApplicationBuilder) -> BuildFuture {
        Box::pin(async move {
            let value = A::build(builder).await?;
            Ok(Built {
                application: value.application().clone(),
                value: Arc::new(value),
                follower: None,
            })
        })
    }
    Node {
        name: A::NAME,
        type_id: TypeId::of::<A>(),
        type_name: std::any::type_name::<A>(),
        is_process: false,
        build: build::<A>,
    }
}

/// A process application in a pipe: it follows the application before it (and leads the one
/// after it).
pub fn process<P: ProcessApplication>() -> Node {
    fn build<P: ProcessApplication>(builder: ApplicationBuilder) -> BuildFuture {
        Box::pin(async move {
            let value = P::build(builder).await?;
            Ok(Built {
                application: value.application().clone(),
                follower: Some(Follower::new(value.clone())),
                value: Arc::new(value),
            })
        })
    }
    Node {
        name: P::NAME,
        type_id: TypeId::of::<P>(),
        type_name: std::any::type_name::<P>(),
        is_process: true,
        build: build::<P>,
    }
}

/// Applications wired into pipes: in each pipe, every application follows the one before it.
///
/// ```
/// # use eventsourcing_seaorm::application::{Application, ApplicationBuilder, ApplicationError};
/// # use eventsourcing_seaorm::system::{ProcessApplication, ProcessingEvent, SystemApplication, UpstreamEvent};
/// # #[derive(Clone)] struct Worlds(Application);
/// # impl SystemApplication for Worlds {
/// #     const NAME: &'static str = "Worlds";
/// #     async fn build(b: ApplicationBuilder) -> Result<Self, ApplicationError> { Ok(Self(b.build().await?)) }
/// #     fn application(&self) -> &Application { &self.0 }
/// # }
/// # #[derive(Clone)] struct Counters(Application);
/// # impl SystemApplication for Counters {
/// #     const NAME: &'static str = "Counters";
/// #     async fn build(b: ApplicationBuilder) -> Result<Self, ApplicationError> { Ok(Self(b.build().await?)) }
/// #     fn application(&self) -> &Application { &self.0 }
/// # }
/// # impl ProcessApplication for Counters {
/// #     type Error = ApplicationError;
/// #     async fn policy(&self, _: &UpstreamEvent, _: &mut ProcessingEvent) -> Result<(), ApplicationError> { Ok(()) }
/// # }
/// use eventsourcing_seaorm::system::{System, app, process};
///
/// let system = System::new([[app::<Worlds>(), process::<Counters>()]])?;
/// assert_eq!(system.leaders(), ["Worlds"]);
/// assert_eq!(system.followers(), ["Counters"]);
///
/// // Worlds cannot follow: it is no process application.
/// assert!(System::new([[process::<Counters>(), app::<Worlds>()]]).is_err());
/// # Ok::<(), eventsourcing_seaorm::system::SystemError>(())
/// ```
#[derive(Debug, Clone)]
pub struct System {
    nodes: Vec<Node>,
    /// (leader, follower), in the order the pipes give them.
    edges: Vec<(&'static str, &'static str)>,
}

impl System {
    /// A system of these pipes. Fails when two different types have one name, or when an
    /// application follows another but is not declared with [`process`] anywhere.
    pub fn new<P, N>(pipes: P) -> Result<Self, SystemError>
    where
        P: IntoIterator<Item = N>,
        N: IntoIterator<Item = Node>,
    {
        let mut nodes: Vec<Node> = Vec::new();
        let mut edges = Vec::new();
        for pipe in pipes {
            let mut previous: Option<&'static str> = None;
            for node in pipe {
                let name = node.name;
                match nodes.iter_mut().find(|n| n.name == name) {
                    Some(known) if known.type_id != node.type_id => {
                        return Err(SystemError::Wiring {
                            reason: format!(
                                "two applications are named {name:?}: {} and {}",
                                known.type_name, node.type_name
                            ),
                        });
                    }
                    // A process application declared with `app` in one place and `process`
                    // in another is a process application.
                    Some(known) if node.is_process && !known.is_process => *known = node,
                    Some(_) => {}
                    None => nodes.push(node),
                }
                if let Some(leader) = previous
                    && !edges.contains(&(leader, name))
                {
                    edges.push((leader, name));
                }
                previous = Some(name);
            }
        }
        for &(leader, follower) in &edges {
            let node = nodes.iter().find(|n| n.name == follower);
            if node.is_some_and(|n| !n.is_process) {
                return Err(SystemError::Wiring {
                    reason: format!(
                        "{follower} follows {leader} but is not a process application: implement \
                         ProcessApplication for it and write process::<{}>() in its pipes",
                        node.map_or(follower, |n| n.type_name)
                    ),
                });
            }
        }
        Ok(Self { nodes, edges })
    }

    /// Every application, in the order the pipes first name them.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The (leader, follower) pairs.
    pub fn edges(&self) -> &[(&'static str, &'static str)] {
        &self.edges
    }

    fn names_where(&self, keep: impl Fn(&str) -> bool) -> Vec<&'static str> {
        self.nodes
            .iter()
            .map(|n| n.name)
            .filter(|name| keep(name))
            .collect()
    }

    /// Applications that others follow.
    pub fn leaders(&self) -> Vec<&'static str> {
        self.names_where(|name| self.edges.iter().any(|(l, _)| *l == name))
    }

    /// Leaders that follow no one.
    pub fn leaders_only(&self) -> Vec<&'static str> {
        self.names_where(|name| {
            self.edges.iter().any(|(l, _)| *l == name)
                && !self.edges.iter().any(|(_, f)| *f == name)
        })
    }

    /// Applications that follow others.
    pub fn followers(&self) -> Vec<&'static str> {
        self.names_where(|name| self.edges.iter().any(|(_, f)| *f == name))
    }

    /// Applications that follow others and are followed.
    pub fn processors(&self) -> Vec<&'static str> {
        self.names_where(|name| {
            self.edges.iter().any(|(l, _)| *l == name) && self.edges.iter().any(|(_, f)| *f == name)
        })
    }

    /// Applications that neither follow nor lead (pipes of one).
    pub fn singles(&self) -> Vec<&'static str> {
        self.names_where(|name| !self.edges.iter().any(|(l, f)| *l == name || *f == name))
    }

    /// The applications that `leader` leads.
    pub fn leads(&self, leader: &str) -> Vec<&'static str> {
        self.edges
            .iter()
            .filter(|(l, _)| *l == leader)
            .map(|(_, f)| *f)
            .collect()
    }

    /// The applications that `follower` follows.
    pub fn follows(&self, follower: &str) -> Vec<&'static str> {
        self.edges
            .iter()
            .filter(|(_, f)| *f == follower)
            .map(|(l, _)| *l)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::{ProcessingEvent, UpstreamEvent};

    macro_rules! application {
        ($ty:ident, $name:literal) => {
            #[derive(Clone)]
            struct $ty(Application);

            impl SystemApplication for $ty {
                const NAME: &'static str = $name;
                async fn build(builder: ApplicationBuilder) -> Result<Self, ApplicationError> {
                    Ok(Self(builder.build().await?))
                }
                fn application(&self) -> &Application {
                    &self.0
                }
            }
        };
        ($ty:ident, $name:literal, process) => {
            application!($ty, $name);

            impl ProcessApplication for $ty {
                type Error = ApplicationError;
                async fn policy(
                    &self,
                    _: &UpstreamEvent,
                    _: &mut ProcessingEvent,
                ) -> Result<(), ApplicationError> {
                    Ok(())
                }
            }
        };
    }

    application!(A, "A");
    application!(B, "B", process);
    application!(C, "C", process);
    application!(D, "D");
    application!(OtherB, "B");

    #[test]
    fn pipes_give_leaders_followers_processors_and_singles() {
        let system = System::new([
            vec![app::<A>(), process::<B>(), process::<C>()],
            vec![app::<A>(), process::<C>()],
            vec![app::<D>()],
        ])
        .unwrap();
        assert_eq!(system.leaders(), ["A", "B"]);
        assert_eq!(system.leaders_only(), ["A"]);
        assert_eq!(system.followers(), ["B", "C"]);
        assert_eq!(system.processors(), ["B"]);
        assert_eq!(system.singles(), ["D"]);
        assert_eq!(system.follows("C"), ["B", "A"]);
        assert_eq!(system.leads("A"), ["B", "C"]);
        // An edge given twice counts once.
        assert_eq!(system.edges().len(), 3);
    }

    #[test]
    fn systems_may_be_recursive() {
        // B and C follow each other; a process application named with `app` in a leader's
        // place is still one.
        let system = System::new([[app::<B>(), process::<C>(), process::<B>()]]).unwrap();
        assert_eq!(system.processors(), ["B", "C"]);
        assert!(system.nodes().iter().all(Node::is_process));
    }

    #[test]
    fn invalid_wiring_is_refused_with_the_names() {
        let error = System::new([[app::<A>(), app::<D>()]])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("D follows A but is not a process application"),
            "{error}"
        );
        let error = System::new([[app::<A>(), process::<B>()], [app::<OtherB>(), app::<A>()]])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("two applications are named \"B\""),
            "{error}"
        );
    }
}
