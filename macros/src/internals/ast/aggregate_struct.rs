//! The aggregate struct: its topic, its event enum and the fields its snapshots hold.

use proc_macro2::Ident;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{Fields, ItemStruct, LitStr, Path, Type};

use super::default_crate;
use crate::internals::attr::{self, FieldOptions, StructOptions, Versioning};
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

/// A field of the aggregate struct.
pub struct Field {
    /// The field.
    pub ident: Ident,
    /// Its type.
    pub ty: Type,
    /// Its key in snapshot state (the field name unless renamed).
    pub key: String,
    /// Where the key comes from, for error spans: the `rename` literal or the field name.
    pub key_tokens: proc_macro2::TokenStream,
    /// Whether the field is left out of snapshots.
    pub skip: bool,
    /// Whether a missing key reads as the default, and `null` is not written.
    pub default: bool,
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
    let mut fields = Vec::with_capacity(named.named.len());
    for field in &mut named.named {
        let mut options = FieldOptions::default();
        field.attrs.retain(|attr| {
            let ours = attr::is_aggregate(attr);
            if ours {
                options.parse_attr(cx, attr);
            }
            !ours
        });
        let ident = field.ident.clone()?;
        if name::is_generated(&ident.unraw().to_string()) {
            cx.error_spanned_by(
                &ident,
                format!(
                    "field names starting with `{}` are reserved for generated code",
                    name::GENERATED_PREFIX
                ),
            );
        }
        if let (Some(skip), Some(rename)) = (&options.skip, &options.rename) {
            cx.error_spanned_by(
                rename,
                format!(
                    "`rename` has no effect on a `{}` field: skipped fields are not in snapshots",
                    skip.to_token_stream()
                ),
            );
        }
        if let (Some(skip), Some(default)) = (&options.skip, &options.default) {
            cx.error_spanned_by(
                default,
                format!(
                    "`default` has no effect on a `{}` field: skipped fields always read as the default",
                    skip.to_token_stream()
                ),
            );
        }
        let (key, key_tokens) = match &options.rename {
            Some(rename) => (rename.value(), rename.to_token_stream()),
            None => (ident.unraw().to_string(), ident.to_token_stream()),
        };
        fields.push(Field {
            ident,
            ty: field.ty.clone(),
            key,
            key_tokens,
            skip: options.skip.is_some(),
            default: options.default.is_some(),
        });
    }
    Some(fields)
}
