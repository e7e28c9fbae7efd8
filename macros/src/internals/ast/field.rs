//! A stored field of a struct: of an aggregate (`#[aggregate(...)]` options, its key in
//! snapshot state) or of a type deriving `Transcode` (`#[transcode(...)]` options, its key in
//! the stored map).

use proc_macro2::{Ident, TokenStream};
use quote::ToTokens;
use syn::FieldsNamed;
use syn::ext::IdentExt;
use syn::{Attribute, Type};

use crate::internals::attr::FieldOptions;
use crate::internals::ctxt::Ctxt;
use crate::internals::name;

/// A named field and how it is stored.
pub struct Field {
    /// The field.
    pub ident: Ident,
    /// Its type.
    pub ty: Type,
    /// Its key in the stored map (the field name unless renamed).
    pub key: String,
    /// Where the key comes from, for error spans: the `rename` literal or the field name.
    pub key_tokens: TokenStream,
    /// Whether the field is left out of the stored map.
    pub skip: bool,
    /// Whether a missing key reads as the default, and `null` is not written.
    pub default: bool,
}

/// Which attribute holds a field's options.
#[derive(Clone, Copy)]
pub enum FieldAttr {
    /// `#[aggregate(...)]`, on a field of an aggregate struct.
    Aggregate,
    /// `#[transcode(...)]`, on a field of a type deriving `Transcode`.
    Transcode,
}

impl FieldAttr {
    /// The attribute's name.
    pub fn name(self) -> &'static str {
        match self {
            FieldAttr::Aggregate => "aggregate",
            FieldAttr::Transcode => "transcode",
        }
    }

    /// Whether `attr` is this attribute.
    pub fn is(self, attr: &Attribute) -> bool {
        attr.path().is_ident(self.name())
    }

    /// Where the stored fields go, for messages.
    fn stored_in(self) -> &'static str {
        match self {
            FieldAttr::Aggregate => "snapshots",
            FieldAttr::Transcode => "the stored value",
        }
    }
}

/// Reads the named fields and their options, removing the option attributes from `named`.
/// `None` when a field has no name (cannot happen in named fields).
pub fn read_named(cx: &Ctxt, named: &mut FieldsNamed, attr: FieldAttr) -> Option<Vec<Field>> {
    let mut fields = Vec::with_capacity(named.named.len());
    for field in &mut named.named {
        let mut options = FieldOptions::default();
        field.attrs.retain(|a| {
            let ours = attr.is(a);
            if ours {
                options.parse_attr(cx, a, attr.name());
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
                    "`rename` has no effect on a `{}` field: skipped fields are not in {}",
                    skip.to_token_stream(),
                    attr.stored_in()
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
