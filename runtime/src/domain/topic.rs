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

/// Old topics that resolve to new ones, as the Python original's `register_topic` lets a
/// stored topic name a class that has since moved or been renamed: a whole topic
/// (`shop:Cart.Emptied` → `shop:Basket.Cleared`), a class, whose nested names follow
/// (`shop:Cart` → `shop:Basket`, so `shop:Cart.Emptied` → `shop:Basket.Emptied`), or a module
/// (`shop` → `store`, so `shop:Cart.Emptied` → `store:Cart.Emptied`). As in Python, a whole
/// topic is looked up first, then the longest class, then the module.
///
/// ```
/// use eventsourcing_seaorm::domain::topic::TopicAliases;
///
/// let mut aliases = TopicAliases::default();
/// aliases.register("shop", "store");
/// aliases.register("shop:Cart", "store:Basket");
/// aliases.register("shop:Cart.Emptied", "store:Basket.Cleared");
/// assert_eq!(aliases.resolve("shop:Cart.Emptied"), "store:Basket.Cleared");
/// assert_eq!(aliases.resolve("shop:Cart.ItemAdded"), "store:Basket.ItemAdded");
/// assert_eq!(aliases.resolve("shop:Order.Placed"), "store:Order.Placed");
/// assert_eq!(aliases.resolve("billing:Invoice.Sent"), "billing:Invoice.Sent");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicAliases {
    aliases: std::collections::HashMap<String, String>,
}

impl TopicAliases {
    /// Makes `old` (a topic, a class topic or a module) resolve to `new`.
    pub fn register(&mut self, old: impl Into<String>, new: impl Into<String>) {
        self.aliases.insert(old.into(), new.into());
    }

    /// Whether none is registered.
    pub fn is_empty(&self) -> bool {
        self.aliases.is_empty()
    }

    /// The topic that `topic` resolves to (itself when no alias applies).
    pub fn resolve<'t>(&self, topic: &'t str) -> std::borrow::Cow<'t, str> {
        use std::borrow::Cow;
        if self.aliases.is_empty() {
            return Cow::Borrowed(topic);
        }
        if let Some(new) = self.aliases.get(topic) {
            return Cow::Owned(new.clone());
        }
        let Some((module, qualname)) = topic.split_once(':') else {
            return Cow::Borrowed(topic);
        };
        // The longest enclosing class first: `m:A.B` before `m:A` for `m:A.B.C`.
        let mut end = qualname.len();
        while let Some(dot) = qualname[..end].rfind('.') {
            end = dot;
            if let Some(new) = self.aliases.get(&format!("{module}:{}", &qualname[..end])) {
                return Cow::Owned(format!("{new}{}", &qualname[end..]));
            }
        }
        match self.aliases.get(module) {
            Some(new) => Cow::Owned(format!("{new}:{qualname}")),
            None => Cow::Borrowed(topic),
        }
    }
}
