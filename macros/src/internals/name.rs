//! Names: the default names of events and of generated items, and the names user code may not
//! take because generated code or the stored event already uses them.

use proc_macro2::{Ident, Span};
use quote::format_ident;
use syn::ext::IdentExt;

/// Prefix of every name the macros generate inside user items (fields, methods, locals).
pub const GENERATED_PREFIX: &str = "__es_";

/// Keys every stored event already has (as columns or JSON keys), so no event field may take
/// them.
pub const RESERVED_EVENT_KEYS: &[&str] = &[
    "originator_id",
    "originator_version",
    "originator_topic",
    "class_version",
];

/// The name of the created event when `#[event]` on a constructor gives none (as in Python).
pub const DEFAULT_CREATED_EVENT: &str = "Created";

/// `add_trick` → `AddTrick`: the default event name of a command method, as a Python
/// `@event` decorator derives a class name from its method name.
pub fn upper_camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper_next = true;
    for c in snake.chars() {
        if c == '_' {
            upper_next = true;
        } else if upper_next {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The ident of an event variant named `name`, or `None` when `name` cannot be a Rust identifier
/// (it is also the class-name part of the event's topic).
pub fn event_variant(name: &str, span: Span) -> Option<Ident> {
    // A raw identifier (`r#type`) would be a different name in the topic than in Rust.
    let ident: Ident = syn::parse_str(name)
        .ok()
        .filter(|_| !name.starts_with("r#"))?;
    (ident == name).then(|| Ident::new(name, span))
}

/// `WorldEvent` for `World`: the default name of an aggregate's event enum.
pub fn default_event_enum(aggregate: &Ident) -> Ident {
    format_ident!("{}Event", aggregate.unraw(), span = aggregate.span())
}

/// `__es_event_make_it_so` for `make_it_so`: the private method that keeps an event method's
/// original body.
pub fn event_body_fn(method: &Ident) -> Ident {
    format_ident!(
        "{}event_{}",
        GENERATED_PREFIX,
        method.unraw(),
        span = method.span()
    )
}

/// `__es_error_of_make_it_so` for `make_it_so`: the trait an event method's error type must
/// implement, named after the method because its message names it.
pub fn event_error_trait(method: &Ident) -> Ident {
    format_ident!("{}error_of_{}", GENERATED_PREFIX, method.unraw())
}

/// `__es_rejected_by_make_it_so` for `make_it_so`: the function that keeps an event method's
/// error when its event is replayed.
pub fn rejected_fn(method: &Ident) -> Ident {
    format_ident!("{}rejected_by_{}", GENERATED_PREFIX, method.unraw())
}

/// Whether `name` starts with the prefix reserved for generated names.
pub fn is_generated(name: &str) -> bool {
    name.starts_with(GENERATED_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_becomes_upper_camel_case() {
        assert_eq!(upper_camel("add_trick"), "AddTrick");
        assert_eq!(upper_camel("make_it_so"), "MakeItSo");
        assert_eq!(upper_camel("register"), "Register");
        assert_eq!(upper_camel("_private_thing"), "PrivateThing");
        assert_eq!(upper_camel("v2_update"), "V2Update");
        assert_eq!(upper_camel("double__underscore"), "DoubleUnderscore");
        assert_eq!(upper_camel("already_Camel"), "AlreadyCamel");
    }

    #[test]
    fn event_variants_must_be_identifiers() {
        let span = Span::call_site();
        assert_eq!(
            event_variant("SomethingHappened", span).unwrap(),
            "SomethingHappened"
        );
        assert!(event_variant("Something Happened", span).is_none());
        assert!(event_variant("World.Created", span).is_none());
        assert!(event_variant("type", span).is_none());
        assert!(event_variant("", span).is_none());
        assert!(event_variant("r#Created", span).is_none());
    }

    #[test]
    fn generated_names_are_prefixed() {
        let world = Ident::new("World", Span::call_site());
        assert_eq!(default_event_enum(&world), "WorldEvent");
        let method = Ident::new_raw("type", Span::call_site());
        assert_eq!(event_body_fn(&method), "__es_event_type");
        assert!(is_generated("__es_base"));
        assert!(!is_generated("base"));
    }
}
