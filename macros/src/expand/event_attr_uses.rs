//! Uses of the `#[event]` attributes that `#[aggregate]` consumed.
//!
//! `#[aggregate]` removes the `#[event]` attributes it reads, so the compiler never resolves
//! them: an explicit `use eventsourcing_seaorm::event;` would be reported as unused, and a
//! missing one would go unnoticed. Each consumed attribute is therefore applied again, by the
//! path the user wrote, to an empty item with a marker argument, for which `#[event]` expands to
//! nothing.

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::ast::AggregateImpl;

/// The marker argument: `#[event(__es_consumed_by_aggregate)]` expands to nothing.
pub const CONSUMED_MARKER: &str = "__es_consumed_by_aggregate";

/// One marked use per consumed `#[event]` attribute.
pub fn generate(model: &AggregateImpl) -> TokenStream {
    let marker = proc_macro2::Ident::new(CONSUMED_MARKER, proc_macro2::Span::call_site());
    let uses = model.event_attr_paths.iter().map(|path| {
        quote! {
            #[#path(#marker)]
            const _: () = ();
        }
    });
    quote!(#(#uses)*)
}

/// Whether `args` are the marker argument.
pub fn is_consumed_marker(args: &TokenStream) -> bool {
    let mut tokens = args.clone().into_iter();
    matches!(
        (tokens.next(), tokens.next()),
        (Some(proc_macro2::TokenTree::Ident(ident)), None) if ident == CONSUMED_MARKER
    )
}
