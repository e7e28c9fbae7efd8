//! A type deriving `SystemApplication`: a struct holding its `Application`, in its one field.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Path};

use super::default_crate;
use crate::internals::attr::SystemOptions;
use crate::internals::ctxt::Ctxt;

/// The input of `#[derive(SystemApplication)]`.
pub struct SystemApp {
    /// The type's name.
    pub ident: Ident,
    /// Path of the runtime crate.
    pub krate: Path,
    /// The application's name (the type's name unless `name = "..."` says).
    pub name: String,
    /// The one field, holding the `Application`: `app` or `0`.
    pub field: TokenStream,
    /// Whether the struct is a tuple struct.
    pub tuple: bool,
}

impl SystemApp {
    /// Reads the input; `None` when it cannot derive `SystemApplication` (already reported).
    pub fn from_input(cx: &Ctxt, input: &DeriveInput) -> Option<Self> {
        let options = SystemOptions::parse_attrs(cx, &input.attrs);
        if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
            cx.error_spanned_by(
                &input.generics,
                "`#[derive(SystemApplication)]` needs a type without generic parameters: the system builds it by its name",
            );
            return None;
        }
        let shape = "`#[derive(SystemApplication)]` takes a struct with one field, its `Application` (`struct Worlds { app: Application }` or `struct Worlds(Application)`); implement `SystemApplication` by hand for more";
        let Data::Struct(data) = &input.data else {
            cx.error_spanned_by(&input.ident, shape);
            return None;
        };
        let (field, tuple) = match &data.fields {
            Fields::Named(named) if named.named.len() == 1 => {
                let ident = named.named[0].ident.as_ref()?;
                (ident.to_token_stream(), false)
            }
            Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => (quote!(0), true),
            _ => {
                cx.error_spanned_by(&input.ident, shape);
                return None;
            }
        };
        Some(SystemApp {
            ident: input.ident.clone(),
            krate: options.krate.unwrap_or_else(default_crate),
            name: options
                .name
                .map_or_else(|| input.ident.unraw().to_string(), |name| name.value()),
            field,
            tuple,
        })
    }
}
