//! Checks made once the model is built: what no single attribute or item can show alone.
//!
//! Each failed check is reported, and the offending part is set aside (a duplicate event becomes
//! a plain method, a mismatched version falls back to 1, a bad `create_id` is not used) so that
//! the rest still generates and the user sees only these errors.

use std::collections::{HashMap, HashSet};

use proc_macro2::Ident;
use syn::visit::{self, Visit};
use syn::{Expr, ExprMethodCall, ImplItem, Item};

use super::ast::{AggregateImpl, AggregateStruct, EntityModule, EventKind, Member};
use super::attr::Versioning;
use super::ctxt::Ctxt;

/// Checks an aggregate struct.
pub fn aggregate_struct(cx: &Ctxt, model: &mut AggregateStruct) {
    versioning(cx, &mut model.versioning);
    let mut keys: HashMap<&str, &Ident> = HashMap::new();
    for field in model.fields.iter().filter(|f| !f.skip) {
        if let Some(first) = keys.insert(&field.key, &field.ident) {
            cx.error_spanned_by(
                &field.key_tokens,
                format!(
                    "field `{first}` is already stored under the snapshot key `{}`; rename one of them with `#[aggregate(rename = \"...\")]`",
                    field.key
                ),
            );
        }
    }
}

/// Checks an aggregate `impl` block.
pub fn aggregate_impl(cx: &Ctxt, model: &mut AggregateImpl) {
    unique_event_names(cx, model);
    for member in &mut model.members {
        if let Member::Event(event) = member {
            versioning(cx, &mut event.versioning);
        }
    }
    if !model.constructor_written {
        match model.plain_constructor() {
            Some(index) => {
                let Member::Other(ImplItem::Fn(plain)) = &model.members[index] else {
                    unreachable!("plain constructors are plain methods")
                };
                cx.error_spanned_by(
                    &plain.sig.ident,
                    format!(
                        "an aggregate is created by an event: mark `{}` with `#[event]` (its created event is then `Created`)",
                        plain.sig.ident
                    ),
                );
                model.members[index] = Member::Rejected(plain.clone());
            }
            None => cx.error_spanned_by(
                &model.item.self_ty,
                "an aggregate needs a constructor: an `#[event]` method without `self` that returns `Self`, like `#[event] fn create() -> Self`",
            ),
        }
    }
    create_id_params(cx, model);
    no_events_within_events(cx, model);
}

/// Checks an entity module: its table name must be one the store accepts, so that a bad name
/// fails here rather than when the store is built.
pub fn entity_module(cx: &Ctxt, model: &EntityModule) {
    let name = model.table_name.value();
    if !is_plain_table_name(&name) {
        cx.error_spanned_by(
            &model.table_name,
            format!(
                "table name {name:?} must be 1 to 63 letters, digits or underscores, not starting with a digit (so that it goes into SQL as it is)"
            ),
        );
    }
}

/// The rule of the runtime's `Tables::validate`: 1 to 63 bytes (PostgreSQL's limit), ASCII
/// letters, digits and `_`, not starting with a digit.
fn is_plain_table_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

fn unique_event_names(cx: &Ctxt, model: &mut AggregateImpl) {
    let mut seen: HashMap<String, String> = HashMap::new();
    for member in &mut model.members {
        let Member::Event(event) = member else {
            continue;
        };
        let name = event.name();
        match seen.get(&name) {
            None => {
                seen.insert(name, event.func.sig.ident.to_string());
            }
            Some(first) => {
                cx.error_spanned_by(
                    &event.name_tokens,
                    format!("two events are named `{name}` (the other is recorded by `{first}`); event names must be unique within an aggregate"),
                );
                *member = Member::Rejected(event.func.clone());
            }
        }
    }
}

fn create_id_params(cx: &Ctxt, model: &mut AggregateImpl) {
    let Some(create_id) = &model.create_id else {
        return;
    };
    let mut ok = true;
    for constructor in model.events().filter(|e| e.kind == EventKind::Constructor) {
        for (param, _) in &create_id.params {
            if !constructor.fields().any(|field| field.ident == *param) {
                cx.error_spanned_by(
                    param,
                    format!(
                        "`{}` takes `{param}`, but constructor `{}` has no parameter `{param}`; each parameter of `{}` must name a constructor parameter",
                        create_id.ident, constructor.func.sig.ident, create_id.ident
                    ),
                );
                ok = false;
            }
        }
    }
    if !ok {
        model.create_id = None;
    }
}

/// An event body runs again whenever its event is replayed, so it must not trigger events itself
/// (`self.other_event(...)`): replaying would record them again.
fn no_events_within_events(cx: &Ctxt, model: &AggregateImpl) {
    let events: HashSet<String> = model
        .events()
        .map(|e| e.func.sig.ident.to_string())
        .collect();
    for event in model.events() {
        let mut calls = EventCalls {
            events: &events,
            found: Vec::new(),
        };
        calls.visit_block(&event.func.block);
        for call in calls.found {
            cx.error_spanned_by(
                &call,
                format!(
                    "`{call}` records an event, and the body of `{}` runs again whenever its own event is replayed; trigger both events from a method without `#[event]`",
                    event.func.sig.ident
                ),
            );
        }
    }
}

/// Finds `self.<event method>(...)` calls, outside nested items.
struct EventCalls<'a> {
    events: &'a HashSet<String>,
    found: Vec<Ident>,
}

impl<'ast> Visit<'ast> for EventCalls<'_> {
    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        let on_self = matches!(&*call.receiver, Expr::Path(path) if path.path.is_ident("self"));
        if on_self && self.events.contains(&call.method.to_string()) {
            self.found.push(call.method.clone());
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_item(&mut self, _: &'ast Item) {}
}

/// A version of at least 1, and one upcaster per step up to it.
fn versioning(cx: &Ctxt, versioning: &mut Versioning) {
    let ok = match (&versioning.version, &versioning.upcast) {
        (Some(version), _) if version.value == 0 => {
            cx.error_spanned_by(&version.lit, "class versions start at 1");
            false
        }
        (Some(version), None) if version.value > 1 => {
            let steps = version.value - 1;
            cx.error_spanned_by(
                &version.lit,
                format!(
                    "`version = {}` needs {steps} upcaster{} to read older stored state: add `upcast({})`",
                    version.value,
                    plural(steps),
                    example_upcasters(version.value)
                ),
            );
            false
        }
        (None, Some(upcast)) if !upcast.paths.is_empty() => {
            cx.error_spanned_by(
                &upcast.keyword,
                "`upcast` needs `version = N`: upcasters bring state written by older class versions up to version N",
            );
            false
        }
        (Some(version), Some(upcast))
            if upcast.paths.len() as u64 != u64::from(version.value) - 1 =>
        {
            let steps = version.value - 1;
            cx.error_spanned_by(
                &upcast.keyword,
                format!(
                    "`upcast` lists {} upcaster{} but `version = {}` needs {steps}, one per version step: `upcast({})`",
                    upcast.paths.len(),
                    plural(upcast.paths.len() as u32),
                    version.value,
                    example_upcasters(version.value)
                ),
            );
            false
        }
        _ => true,
    };
    if !ok {
        *versioning = Versioning::default();
    }
}

fn plural(count: u32) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn example_upcasters(version: u32) -> String {
    (1..version)
        .map(|v| format!("v{v}_to_v{}", v + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_follow_the_rule_of_the_store() {
        for good in ["stored_events", "_x", "A1", &"t".repeat(63)] {
            assert!(is_plain_table_name(good), "{good}");
        }
        for bad in [
            "",
            "9lives",
            "audit-events",
            "audit events",
            "é",
            &"t".repeat(64),
        ] {
            assert!(!is_plain_table_name(bad), "{bad}");
        }
    }

    #[test]
    fn upcaster_examples_name_each_step() {
        assert_eq!(example_upcasters(2), "v1_to_v2");
        assert_eq!(example_upcasters(4), "v1_to_v2, v2_to_v3, v3_to_v4");
    }
}
