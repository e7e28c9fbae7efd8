//! A type deriving `Transcode`: a struct with named fields (stored as a map), a newtype (stored
//! as its one field) or an enum of unit variants (stored as a string).

use proc_macro2::Ident;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Path, Type};

use super::default_crate;
use super::field::{self, Field, FieldAttr};
use crate::internals::attr::{TranscodeOptions, VariantOptions};
use crate::internals::ctxt::Ctxt;

/// The input of `#[derive(Transcode)]`.
pub struct TranscodeType {
    /// The type's name.
    pub ident: Ident,
    /// Path of the runtime crate.
    pub krate: Path,
    /// How it is stored.
    pub shape: Shape,
}

/// How a type deriving `Transcode` is stored.
pub enum Shape {
    /// A struct with named fields: a map of its stored fields, in declaration order.
    Named(Vec<Field>),
    /// A struct with one unnamed field: that field's value.
    Newtype(Type),
    /// An enum whose variants have no fields: the variant's name (or `rename`) as a string.
    UnitEnum(Vec<(Ident, String)>),
}

impl TranscodeType {
    /// Reads the input; `None` when it cannot derive `Transcode` (already reported).
    pub fn from_input(cx: &Ctxt, input: &mut DeriveInput) -> Option<Self> {
        let options = TranscodeOptions::parse_attrs(cx, &input.attrs);
        if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
            cx.error_spanned_by(
                &input.generics,
                "`#[derive(Transcode)]` needs a type without generic parameters: each field's storage is chosen for its concrete type",
            );
            return None;
        }
        let shape = match &mut input.data {
            Data::Struct(data) => match &mut data.fields {
                Fields::Named(named) => {
                    Shape::Named(field::read_named(cx, named, FieldAttr::Transcode)?)
                }
                Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
                    Shape::Newtype(unnamed.unnamed[0].ty.clone())
                }
                _ => {
                    cx.error_spanned_by(
                        &input.ident,
                        "`#[derive(Transcode)]` takes a struct with named fields (stored as a map) or one unnamed field (stored as that field)",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                let mut variants = Vec::with_capacity(data.variants.len());
                let mut all_units = true;
                for variant in &data.variants {
                    if !matches!(variant.fields, Fields::Unit) {
                        all_units = false;
                        cx.error_spanned_by(
                            &variant.fields,
                            "`#[derive(Transcode)]` on an enum takes variants without fields (stored as their names); implement `Transcode` by hand, or derive serde's traits, for variants with data",
                        );
                        continue;
                    }
                    let options = VariantOptions::parse_attrs(cx, &variant.attrs);
                    let stored = options
                        .rename
                        .map_or_else(|| variant.ident.unraw().to_string(), |name| name.value());
                    variants.push((variant.ident.clone(), stored));
                }
                if !all_units {
                    return None;
                }
                Shape::UnitEnum(variants)
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`#[derive(Transcode)]` takes a struct or an enum, not a union",
                );
                return None;
            }
        };
        Some(TranscodeType {
            ident: input.ident.clone(),
            krate: options.krate.unwrap_or_else(default_crate),
            shape,
        })
    }
}
