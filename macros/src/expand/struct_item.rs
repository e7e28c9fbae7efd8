//! The aggregate struct as output: as written, plus the hidden `__es_base` field that holds the
//! aggregate's id, version, times and pending events, plus `Clone` (which `Aggregate` needs)
//! when the struct does not derive it already.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Path, Token};

use crate::internals::ast::AggregateStruct;

/// The struct with its base field.
pub fn generate(model: &AggregateStruct) -> TokenStream {
    let mut item = model.item.clone();
    let derives = derived(&item.attrs);
    let derives_any = |names: &[&str]| {
        derives.iter().any(|d| {
            d.segments
                .last()
                .is_some_and(|s| names.iter().any(|n| s.ident == n))
        })
    };
    let krate = &model.krate;
    let event = &model.event_enum;
    let serde_skip = derives_any(&["Serialize", "Deserialize"]).then(|| quote!(#[serde(skip)]));
    let base = quote! {
        #[doc(hidden)]
        #serde_skip
        __es_base: #krate::domain::AggregateBase<#event>
    };
    if let Fields::Named(fields) = &mut item.fields {
        let base = syn::Field::parse_named
            .parse2(base)
            .expect("the base field parses as a named field");
        fields.named.push(base);
    }
    if !derives_any(&["Clone"]) && !model.clone_derived_above {
        item.attrs
            .push(syn::parse_quote!(#[derive(::core::clone::Clone)]));
    }
    item.into_token_stream()
}

/// The paths listed by the struct's `#[derive(...)]` attributes.
fn derived(attrs: &[Attribute]) -> Vec<Path> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .collect()
}
