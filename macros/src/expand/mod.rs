//! Expansion of the attributes: read the input into the model, check it, and generate the code,
//! one file per generated thing.
//!
//! Errors come first in the output. Whatever part of the input could be modelled is still
//! generated, so that the program around it compiles and the user sees only the errors of the
//! macro, at the tokens they are about.

mod aggregate_event;
mod aggregate_trait;
mod entity_module;
mod event_attr_uses;
mod event_enum;
mod event_methods;
mod event_payload;
mod state;
mod struct_item;
mod struct_literals;
mod system_app;
mod transcode_derive;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{DeriveInput, Item, ItemImpl, ItemMod, ItemStruct};

use crate::internals::ast::{
    AggregateImpl, AggregateStruct, EntityModule, SystemApp, TranscodeType,
};
use crate::internals::attr::{EntityOptions, ImplOptions, StructOptions};
use crate::internals::check;
use crate::internals::ctxt::Ctxt;
use crate::internals::source;

/// `#[derive(Transcode)]` on a struct or enum.
pub fn derive_transcode(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let model = match syn::parse2::<DeriveInput>(input) {
        Ok(mut input) => TranscodeType::from_input(&cx, &mut input),
        Err(error) => {
            cx.syn_error(error);
            None
        }
    };
    let errors = cx.check().err().map(syn::Error::into_compile_error);
    let generated = model.as_ref().map(transcode_derive::generate);
    quote!(#errors #generated)
}

/// `#[derive(SystemApplication)]` on a struct.
pub fn derive_system_application(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let model = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => SystemApp::from_input(&cx, &input),
        Err(error) => {
            cx.syn_error(error);
            None
        }
    };
    let errors = cx.check().err().map(syn::Error::into_compile_error);
    let generated = model.as_ref().map(system_app::generate);
    quote!(#errors #generated)
}

/// `#[entity(kind, table_name = "...")]` on a module.
pub fn entity(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let options = EntityOptions::parse(&cx, args);
    match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Mod(item)) => entity_mod(cx, options, item),
        Ok(item) => {
            cx.error_spanned_by(
                item_head(&item),
                "`#[entity]` goes on a module, which it fills with the entity: `#[entity(stored_events, table_name = \"audit_events\")] mod audit_events {}`",
            );
            let errors = cx.check().err().map(syn::Error::into_compile_error);
            quote!(#errors #item)
        }
        Err(error) => {
            cx.syn_error(error);
            let errors = cx.check().err().map(syn::Error::into_compile_error);
            quote!(#errors #input)
        }
    }
}

fn entity_mod(cx: Ctxt, options: EntityOptions, item: ItemMod) -> TokenStream {
    let model = EntityModule::from_item(&cx, options, item.clone());
    if let Some(model) = &model {
        check::entity_module(&cx, model);
    }
    let errors = cx.check().err().map(syn::Error::into_compile_error);
    let Some(model) = model else {
        return quote!(#errors #item);
    };
    let module = entity_module::generate(&model);
    quote!(#errors #module)
}

/// The tokens naming an item (`struct Name`, `fn name`), where an error about the whole item
/// points; the whole item when it has no name.
fn item_head(item: &Item) -> TokenStream {
    let (keyword, name): (&dyn ToTokens, &dyn ToTokens) = match item {
        Item::Struct(item) => (&item.struct_token, &item.ident),
        Item::Enum(item) => (&item.enum_token, &item.ident),
        Item::Union(item) => (&item.union_token, &item.ident),
        Item::Fn(item) => (&item.sig.fn_token, &item.sig.ident),
        Item::Trait(item) => (&item.trait_token, &item.ident),
        Item::Type(item) => (&item.type_token, &item.ident),
        Item::Const(item) => (&item.const_token, &item.ident),
        Item::Static(item) => (&item.static_token, &item.ident),
        Item::Impl(item) => (&item.impl_token, &item.self_ty),
        other => return other.to_token_stream(),
    };
    quote!(#keyword #name)
}

/// `#[aggregate]` on a struct or on its `impl` block.
pub fn aggregate(args: TokenStream, input: TokenStream) -> TokenStream {
    match syn::parse2::<Item>(input) {
        Ok(Item::Struct(item)) => aggregate_struct(args, item),
        Ok(Item::Impl(item)) => aggregate_impl(args, item),
        Ok(Item::Enum(item)) => misplaced_aggregate(quote!(#item), &item.enum_token, &item.ident),
        Ok(Item::Union(item)) => misplaced_aggregate(quote!(#item), &item.union_token, &item.ident),
        Ok(item) => {
            let error =
                syn::Error::new(Span::call_site(), WHERE_AGGREGATE_GOES).into_compile_error();
            quote!(#error #item)
        }
        Err(error) => error.into_compile_error(),
    }
}

/// `#[event]` on its own. `#[aggregate]` removes the `#[event]` attributes it reads, so one
/// that expands on its own is misplaced, unless it is one of the marked uses `#[aggregate]`
/// generates for them.
pub fn event(args: TokenStream, input: TokenStream) -> TokenStream {
    if event_attr_uses::is_consumed_marker(&args) {
        return TokenStream::new();
    }
    let error = syn::Error::new(
        Span::call_site(),
        "`#[event]` only works on methods of an `#[aggregate]` impl block: add `#[aggregate]` to the `impl` block (and to its struct)",
    )
    .into_compile_error();
    quote!(#error #input)
}

const WHERE_AGGREGATE_GOES: &str =
    "`#[aggregate]` goes on a struct with named fields and on its `impl` block";

fn misplaced_aggregate(
    item: TokenStream,
    keyword: &dyn quote::ToTokens,
    ident: &syn::Ident,
) -> TokenStream {
    let error = syn::Error::new_spanned(
        quote!(#keyword #ident),
        format!(
            "{WHERE_AGGREGATE_GOES}; its event enum is generated from the `#[event]` methods of the `impl` block"
        ),
    )
    .into_compile_error();
    quote!(#error #item)
}

fn aggregate_struct(args: TokenStream, mut item: ItemStruct) -> TokenStream {
    let cx = Ctxt::new();
    let options = StructOptions::parse(&cx, args);
    let mut model = AggregateStruct::from_item(&cx, options, &mut item);
    if let Some(model) = &mut model {
        check::aggregate_struct(&cx, model);
        derives_above(&cx, model);
    }
    let errors = cx.check().err().map(syn::Error::into_compile_error);
    let Some(model) = model else {
        return quote!(#errors #item);
    };
    let item = struct_item::generate(&model);
    let imports = state::autoref_imports(&model.krate);
    let aggregate = aggregate_trait::generate(&model);
    quote! {
        #errors
        #item
        const _: () = {
            #imports
            #aggregate
        };
    }
}

/// Reports derives written above `#[aggregate]`, which rustc expands first, on the struct
/// without its hidden field (their impls then fail to compile or conflict), and which it does
/// not hand to the macro: only the source file shows them.
fn derives_above(cx: &Ctxt, model: &mut AggregateStruct) {
    let derives = source::derives_above_call_site();
    if derives.is_empty() {
        return;
    }
    // A `cfg_attr` may not apply: only a plain derive surely implements `Clone` already.
    model.clone_derived_above = derives.iter().any(|derive| {
        derive
            .trim_start_matches('#')
            .trim_start()
            .starts_with("[derive")
            && derive
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|word| word == "Clone")
    });
    cx.error_spanned_by(
        &model.item.ident,
        format!(
            "`{}` is written above `#[aggregate]`: derives above it expand first, on the struct \
             without the hidden field that `#[aggregate]` adds; write `#[aggregate]` first, then \
             the derives",
            derives.join(" ")
        ),
    );
}

fn aggregate_impl(args: TokenStream, mut item: ItemImpl) -> TokenStream {
    let cx = Ctxt::new();
    let options = ImplOptions::parse(&cx, args);
    let mut model = AggregateImpl::from_item(&cx, options, &mut item);
    if let Some(model) = &mut model {
        check::aggregate_impl(&cx, model);
    }
    let errors = cx.check().err().map(syn::Error::into_compile_error);
    let Some(model) = model else {
        return quote!(#errors #item);
    };
    let event_enum = event_enum::generate(&model);
    let methods = event_methods::generate(&model);
    let imports = state::autoref_imports(&model.krate);
    let payload = event_payload::generate(&model);
    let aggregate_event = aggregate_event::generate(&model);
    let event_attr_uses = event_attr_uses::generate(&model);
    quote! {
        #errors
        #event_enum
        #methods
        const _: () = {
            #imports
            #payload
            #aggregate_event
            #event_attr_uses
        };
    }
}
