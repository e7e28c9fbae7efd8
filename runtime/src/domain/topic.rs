//! Topics: the strings that name event and aggregate classes in the store.
//!
//! The Python original names a class by `<module>:<qualified name>`, for example
//! `interop_domain:World.SomethingHappened` for the `SomethingHappened` event class nested in the
//! `World` aggregate class of module `interop_domain`. Generated code follows the same rule, with
//! the Rust module path written with dots as the module part unless `topic_module` sets it.

/// The topic of class `qualname` in module `module`; a Rust module path (`a::b`) is written
/// with dots (`a.b`).
///
/// ```
/// use eventsourcing_seaorm::domain::topic::topic;
/// assert_eq!(topic("bank::domain", "Account"), "bank.domain:Account");
/// assert_eq!(topic("interop_domain", "World.SomethingHappened"), "interop_domain:World.SomethingHappened");
/// ```
pub fn topic(module: &str, qualname: &str) -> String {
    format!("{}:{qualname}", module.replace("::", "."))
}

/// The event name in `topic` if it names an event of the aggregate whose topic is
/// `aggregate_topic` (`interop_domain:World.Created` → `Created` for `interop_domain:World`).
///
/// ```
/// use eventsourcing_seaorm::domain::topic::event_name;
/// assert_eq!(event_name("m:World.Created", "m:World"), Some("Created"));
/// assert_eq!(event_name("m:Worlds.Created", "m:World"), None);
/// ```
pub fn event_name<'t>(topic: &'t str, aggregate_topic: &str) -> Option<&'t str> {
    topic.strip_prefix(aggregate_topic)?.strip_prefix('.')
}
