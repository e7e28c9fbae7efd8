//! Procedural macros of [eventsourcing-seaorm](https://docs.rs/eventsourcing-seaorm): write an
//! event-sourced aggregate as a plain struct and `impl` block, as in Python's `eventsourcing`.
//!
//! Use them through the runtime crate, which re-exports them:
//! `use eventsourcing_seaorm::prelude::*;`.
//!
//! The entry points below only hand over to `expand`, which reads the input into a model
//! (`internals`), checks it, and generates one piece of code per file.

mod expand;
mod internals;

use proc_macro::TokenStream;

/// Makes a struct and its `impl` block an event-sourced aggregate.
///
/// On the struct, `#[aggregate]` adds a hidden field holding the aggregate's id, version,
/// creation and modification times and pending events, and implements
/// [`Aggregate`](https://docs.rs/eventsourcing-seaorm/latest/eventsourcing_seaorm/domain/trait.Aggregate.html)
/// (topic, snapshot state). On the `impl` block, it turns each `#[event]` method into an event:
/// it generates the event enum (`WorldEvent` for `World`) with one variant per event method,
/// and rewrites each method to record its event after running its body. Replaying the events
/// runs the same bodies again.
///
/// ### Usage
///
/// ```
/// use eventsourcing_seaorm::prelude::*;
///
/// #[aggregate]
/// #[derive(Debug)]
/// pub struct World {
///     history: Vec<String>,
/// }
///
/// #[aggregate]
/// impl World {
///     #[event("Created")]
///     pub fn create() -> Self {
///         Self { history: Vec::new() }
///     }
///
///     #[event("SomethingHappened")]
///     pub fn make_it_so(&mut self, what: String) {
///         self.history.push(what);
///     }
/// }
///
/// let mut world = World::create();
/// world.make_it_so("dinosaurs".into());
/// assert_eq!(world.version(), 2);
/// assert_eq!(world.collect_events().len(), 2);
/// ```
///
/// Write `#[aggregate]` above the struct's `#[derive(...)]`: derives written above it expand
/// first, on the struct without its hidden field. The struct gets `Clone` (which `Aggregate`
/// requires) unless it derives it; derived `Debug` and `PartialEq` include the hidden field, and
/// serde's derives skip it. Struct and `impl` block must be in the same module.
///
/// ### Options on the struct
///
/// - `topic_module = "interop_domain"`: the module part of the topics (default: the Rust module
///   path, with dots);
/// - `name = "World"`: the class-name part of the topics (default: the struct's name);
/// - `event = WorldEvent`: the event enum, which the `impl` block must name alike (default:
///   the struct's name followed by `Event`);
/// - `version = 2, upcast(v1_to_v2)`: the class version of snapshot state, with one
///   `fn(&mut Map)` per older version (or `fn(&mut Map) -> Result<(), E>`, to refuse state it
///   cannot convert with a `DomainError::Upcast` naming the topic and the versions);
/// - `crate = "::eventsourcing_seaorm"`: where the runtime crate is.
///
/// On a field, `#[aggregate(rename = "python_name")]` sets its key in snapshot state,
/// `#[aggregate(skip)]` leaves it out of snapshots (it is restored with `Default::default()`),
/// and `#[aggregate(default)]` makes a missing key read as `Default::default()` and leaves the
/// key out when the value is written as `null` (`None`): a Python aggregate's attribute that
/// only a later event sets (declare such fields last, where Python's snapshot has them).
///
/// ### Options on the `impl` block
///
/// `event = WorldEvent`, `vis = "pub(crate)"` (the event enum's visibility, default `pub`) and
/// `crate = "..."`.
///
/// ### Misuse is a compile error
///
/// ```compile_fail
/// use eventsourcing_seaorm::prelude::*;
///
/// #[aggregate] // an aggregate has one concrete type, so no generics
/// pub struct Boxed<T> {
///     value: T,
/// }
/// ```
///
/// ```compile_fail
/// use eventsourcing_seaorm::prelude::*;
///
/// #[aggregate]
/// pub struct Counter {
///     count: u64,
/// }
///
/// #[aggregate]
/// impl Counter {
///     #[event]
///     pub fn create() -> Self {
///         Self { count: 0 }
///     }
///
///     #[event] // events change the aggregate: `&mut self`, not `&self`
///     pub fn increment(&self) {}
/// }
/// ```
#[proc_macro_attribute]
pub fn aggregate(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::aggregate(args.into(), input.into()).into()
}

/// Marks a method of an `#[aggregate]` `impl` block as an event.
///
/// - A method without `self` is a constructor: its event is the created event (named
///   `Created` by default). It returns `Self` or `Result<Self, E>`.
/// - A method with `&mut self` is a command: its event is named after the method by default
///   (`add_trick` → `AddTrick`). It returns nothing or a `Result`; on `Err` no event is
///   recorded.
///
/// The parameters become the event's fields, in order, except one named `timestamp`: as in
/// the Python original, the caller chooses the event's timestamp with it (any offset, kept; it
/// becomes the aggregate's `modified_on`), and the body receives it back on replay. Its type is
/// `DateTime<FixedOffset>`, `DateTime<Utc>` or an `Option` of either, whose `None` stamps the
/// event now. Without such a parameter, events are stamped now, in UTC. Forms: `#[event]`, `#[event("Name")]`,
/// `#[event(name = "Name", version = 2, upcast(v1_to_v2))]` (each upcaster is a
/// `fn(&mut Map)` bringing stored event state up one version, or returning `Result<(), E>` to
/// refuse state it cannot convert).
///
/// A function `create_id` (without `#[event]`) in the same block computes the id of new
/// aggregates from constructor arguments of the same names; without it, ids are random (v4).
///
/// ```
/// use eventsourcing_seaorm::prelude::*;
/// use eventsourcing_seaorm::sea_orm::prelude::Uuid;
///
/// #[aggregate]
/// #[derive(Debug)]
/// pub struct Dog {
///     name: String,
///     tricks: Vec<String>,
/// }
///
/// #[aggregate]
/// impl Dog {
///     fn create_id(name: &str) -> Uuid {
///         Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("/dogs/{name}").as_bytes())
///     }
///
///     #[event("Registered")]
///     pub fn register(name: String) -> Self {
///         Self { name, tricks: Vec::new() }
///     }
///
///     #[event]
///     pub fn add_trick(&mut self, trick: String) {
///         self.tricks.push(trick);
///     }
/// }
///
/// let mut dog = Dog::register("Fido".into());
/// dog.add_trick("roll over".into());
/// assert_eq!(dog.id(), Dog::create_id("Fido"));
/// assert!(matches!(&dog.pending_events()[1].payload, DogEvent::AddTrick { trick } if trick == "roll over"));
/// ```
///
/// Outside an `#[aggregate]` impl block, `#[event]` is an error:
///
/// ```compile_fail
/// use eventsourcing_seaorm::prelude::*;
///
/// pub struct Plain;
///
/// impl Plain {
///     #[event]
///     pub fn happen(&mut self) {}
/// }
/// ```
#[proc_macro_attribute]
pub fn event(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::event(args.into(), input.into()).into()
}

/// Declares a module as the SeaORM entity of an event-store table, as a Django project declares
/// its own model of the same shape: the one way to query tables with other names with SeaORM,
/// and to name them for a store with
/// [`Tables::from_entities`](https://docs.rs/eventsourcing-seaorm/latest/eventsourcing_seaorm/seaorm/struct.Tables.html#method.from_entities).
///
/// Its arguments are the kind of table (`stored_events`, `snapshots` or `notification_tracking`),
/// `table_name = "..."` (1 to 63 letters, digits or underscores, not starting with a digit) and,
/// optionally, `crate = "::eventsourcing_seaorm"` (where the runtime crate is). The module gets
/// `Model` (with the table's columns), `Entity`, `Column`, `PrimaryKey`, `ActiveModel` and
/// `Relation`, as `DeriveEntityModel` makes them; items written in it are kept.
///
/// ```
/// use eventsourcing_seaorm::entity;
/// use eventsourcing_seaorm::sea_orm::EntityName;
///
/// #[entity(stored_events, table_name = "audit_events")]
/// pub mod audit_events {}
///
/// assert_eq!(audit_events::Entity.table_name(), "audit_events");
/// ```
///
/// ```compile_fail
/// #[eventsourcing_seaorm::entity(events, table_name = "x")] // not a kind of table
/// pub mod x {}
/// ```
///
/// ```compile_fail
/// #[eventsourcing_seaorm::entity(stored_events, table_name = "audit-events")] // not a plain name
/// pub mod audit_events {}
/// ```
#[proc_macro_attribute]
pub fn entity(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::entity(args.into(), input.into()).into()
}

/// Derives `Transcode` for a type held inside events and aggregates (a line of an order, an
/// address), so that it is stored as the Python original stores the same data: a struct with
/// named fields as a dict (its fields in declaration order), a struct with one unnamed field as
/// that field, an enum of unit variants as its variant's name. Each field is stored through
/// `Transcode` where its type implements it, so UUIDs, Decimals and datetimes inside it, at any
/// depth (in `Vec`s, `Option`s, maps and other types deriving `Transcode`), are written as
/// `{"_type_": "uuid_hex", "_data_": ...}` objects, which Python reads back as `UUID`,
/// `Decimal` and `datetime`. (Through serde, a type's UUIDs would be plain strings, which
/// Python reads as `str`.) Fields of other types are stored through serde.
///
/// Options: on the type, `#[transcode(crate = "path")]`; on a field, `#[transcode(rename =
/// "python_name")]`, `#[transcode(skip)]` (not stored, read as `Default`) and
/// `#[transcode(default)]` (a missing key reads as `Default`, `None` is not written, as a key
/// Python's dict may lack); on a variant, `#[transcode(rename = "stored_name")]`. Extra keys in
/// stored dicts are ignored.
///
/// ```
/// use eventsourcing_seaorm::domain::{Transcode, Value};
/// use eventsourcing_seaorm::sea_orm::prelude::Uuid;
///
/// #[derive(Transcode, Debug, Clone, PartialEq)]
/// struct Line {
///     product_id: Uuid,
///     quantity: u32,
///     #[transcode(default)]
///     note: Option<String>,
/// }
///
/// let line = Line { product_id: Uuid::nil(), quantity: 2, note: None };
/// let value = line.to_value().unwrap();
/// let map = value.as_map().unwrap();
/// assert_eq!(map.get("product_id"), Some(&Value::Uuid(Uuid::nil())));
/// assert!(!map.contains_key("note"));
/// assert_eq!(Line::from_value(value).unwrap(), line);
/// ```
///
/// ```compile_fail
/// #[derive(eventsourcing_seaorm::domain::Transcode)]
/// enum Shape { Circle(f64) } // variants with data: implement `Transcode` by hand
/// ```
#[proc_macro_derive(Transcode, attributes(transcode))]
pub fn derive_transcode(input: TokenStream) -> TokenStream {
    expand::derive_transcode(input.into()).into()
}

/// Derives `SystemApplication` for a struct whose one field is its `Application`
/// (`struct Worlds { app: Application }` or `struct Worlds(Application)`): a runner builds it
/// from the builder it configured, and its name is the struct's, as the Python original names
/// applications after their classes (`#[system(name = "...")]` to choose another;
/// `#[system(crate = "...")]` where the runtime crate is elsewhere). The struct must also be
/// `Clone`.
///
/// ```
/// use eventsourcing_seaorm::application::Application;
/// use eventsourcing_seaorm::system::SystemApplication;
///
/// #[derive(Clone, SystemApplication)]
/// struct Worlds {
///     app: Application,
/// }
///
/// #[derive(Clone, SystemApplication)]
/// #[system(name = "Counters")]
/// struct WordCounters(Application);
///
/// assert_eq!(Worlds::NAME, "Worlds");
/// assert_eq!(WordCounters::NAME, "Counters");
/// ```
///
/// ```compile_fail
/// #[derive(Clone, eventsourcing_seaorm::system::SystemApplication)]
/// struct Worlds { app: eventsourcing_seaorm::application::Application, cache: Vec<u8> } // one field only
/// ```
#[proc_macro_derive(SystemApplication, attributes(system))]
pub fn derive_system_application(input: TokenStream) -> TokenStream {
    expand::derive_system_application(input.into()).into()
}
