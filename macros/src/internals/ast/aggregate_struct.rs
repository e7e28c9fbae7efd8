//! The aggregate struct: its topic, its event enum and the fields its snapshots hold.

use proc_macro2::Ident;
use syn::ext::IdentExt;
use syn::{Fields, ItemStruct, LitStr, Path};

use super::default_crate;
use super::field::{self, Field, FieldAttr};
use crate::internals::attr::{StructOptions, Versioning};
use crate::internals::ctxt::Ctxt;
use crate::internals::name;

/// A struct under `#[aggregate]`.
pub struct AggregateStruct {
    /// The struct as written, minus the field attributes of `#[aggregate]`.
    pub item: ItemStruct,
    /// Path of the runtime crate.
    pub krate: Path,
    /// The event enum that the `impl` block generates.
    pub event_enum: Ident,
    /// Module part of the topic (`module_path!()` when `None`).
    pub topic_module: Option<LitStr>,
    /// Class-name part of the topic.
    pub class_name: String,
    /// Class version and upcasters of the snapshot state.
    pub versioning: Versioning,
    /// The fields, in declaration order.
    pub fields: Vec<Field>,
    /// Whether a `#[derive(...)]` written above `#[aggregate]` (a mistake, reported) derives
    /// `Clone` already, so that it is not generated again.
    pub clone_derived_above: bool,
}

impl AggregateStruct {
    /// Reads a struct and its options. The field attributes of `#[aggregate]` are removed from
    /// `item` in any case; `None` when the struct cannot be an aggregate (already reported).
    pub fn from_item(cx: &Ctxt, options: StructOptions, item: &mut ItemStruct) -> Option<Self> {
        let fields = fields(cx, item);
        if !item.generics.params.is_empty() {
            cx.error_spanned_by(
                &item.generics,
                "an aggregate cannot be generic: its topic names one concrete type; remove the generic parameters",
            );
        } else if let Some(where_clause) = &item.generics.where_clause {
            cx.error_spanned_by(where_clause, "an aggregate cannot have a `where` clause");
        }
        let fields = fields?;
        if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
            return None;
        }
        Some(AggregateStruct {
            krate: options.krate.unwrap_or_else(default_crate),
            event_enum: options
                .event
                .unwrap_or_else(|| name::default_event_enum(&item.ident)),
            topic_module: options.topic_module,
            class_name: options
                .name
                .map_or_else(|| item.ident.unraw().to_string(), |name| name.value()),
            versioning: options.versioning,
            fields,
            item: item.clone(),
            clone_derived_above: false,
        })
    }
}

fn fields(cx: &Ctxt, item: &mut ItemStruct) -> Option<Vec<Field>> {
    let named = match &mut item.fields {
        Fields::Named(named) => named,
        Fields::Unnamed(unnamed) => {
            cx.error_spanned_by(
                &*unnamed,
                "an aggregate is a struct with named fields (its snapshot state names each one); use `struct Name { field: Type }`",
            );
            return None;
        }
        Fields::Unit => {
            cx.error_spanned_by(
                &item.ident,
                "an aggregate is a struct with named fields; use `struct Name {}` for an aggregate without state",
            );
            return None;
        }
    };
    field::read_named(cx, named, FieldAttr::Aggregate)
}
