//! `#[entity(kind, table_name = "...")]` on a module: fills it with the SeaORM entity of an
//! event-store table of that kind, by calling the runtime's declarative macro for the kind.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// The arguments: the kind of table and its name.
struct EntityArgs {
    kind: Ident,
    table_name: LitStr,
    krate: syn::Path,
}

const KINDS: [&str; 3] = ["stored_events", "snapshots", "notification_tracking"];

impl Parse for EntityArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let kind: Ident = input.parse()?;
        if !KINDS.contains(&kind.to_string().as_str()) {
            return Err(syn::Error::new(
                kind.span(),
                format!("expected the kind of table: one of {}", KINDS.join(", ")),
            ));
        }
        let mut table_name = None;
        let mut krate: Option<syn::Path> = None;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: syn::Path = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse()?;
            if key.is_ident("table_name") {
                table_name = Some(value);
            } else if key.is_ident("crate") {
                krate = Some(value.parse()?);
            } else {
                return Err(syn::Error::new_spanned(
                    key,
                    "unknown option: expected `table_name = \"...\"` or `crate = \"...\"`",
                ));
            }
        }
        let table_name = table_name.ok_or_else(|| {
            syn::Error::new(kind.span(), "missing `table_name = \"...\"` after the kind")
        })?;
        Ok(EntityArgs {
            kind,
            table_name,
            krate: krate.unwrap_or_else(|| syn::parse_quote!(::eventsourcing_seaorm)),
        })
    }
}

/// Expands `#[entity(...)] mod name { ... }`.
pub fn expand(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    let args: EntityArgs = syn::parse2(args)?;
    let mut module: syn::ItemMod = syn::parse2(input).map_err(|e| {
        syn::Error::new(
            e.span(),
            "#[entity] goes on an inline module: `mod audit_events {}`",
        )
    })?;
    let Some((_, items)) = module.content.as_mut() else {
        return Err(syn::Error::new_spanned(
            &module,
            "#[entity] needs an inline module (`mod audit_events {}`), not a module in another file",
        ));
    };
    let macro_name = Ident::new(&format!("{}_entity", args.kind), args.kind.span());
    let krate = &args.krate;
    let table_name = &args.table_name;
    items.insert(0, syn::parse_quote!(#krate::#macro_name!(#table_name);));
    Ok(quote!(#module))
}
