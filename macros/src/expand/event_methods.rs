//! The `impl` block as output: each event method becomes a hidden method holding its body (run
//! both when the event is triggered and when it is replayed) and a public method with the
//! original signature that builds the event, runs the body and records the event.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, ImplItem, ImplItemFn, Pat, Visibility};

use super::struct_literals;
use crate::internals::ast::{AggregateImpl, EventKind, EventMethod, Member, Returns};
use crate::internals::name;

/// The rewritten `impl` block.
pub fn generate(model: &AggregateImpl) -> TokenStream {
    let mut item = model.item.clone();
    item.items = model
        .members
        .iter()
        .flat_map(|member| match member {
            Member::Other(other) => vec![other.clone()],
            Member::Rejected(func) => vec![ImplItem::Fn(rejected_fn(model, func))],
            Member::Event(event) => vec![
                ImplItem::Fn(body_fn(model, event)),
                ImplItem::Fn(trigger_fn(model, event)),
            ],
        })
        .collect();
    item.into_token_stream()
}

/// The arguments that pass an event's parameters to its body: the fields as `fields`, and
/// `timestamp` as the timestamp of `meta` (an expression of type `EventMeta`), in the
/// parameter's type.
pub fn body_args(
    model: &AggregateImpl,
    event: &EventMethod,
    fields: &[TokenStream],
    meta: &TokenStream,
) -> Vec<TokenStream> {
    let krate = &model.krate;
    let mut fields = fields.iter();
    event
        .params
        .iter()
        .map(|param| match param.is_timestamp {
            true => {
                let ty = &param.ty;
                quote_spanned! {ty.span()=>
                    #krate::domain::timestamp_param::<#ty>().argument(#meta.timestamp)
                }
            }
            false => fields.next().expect("one value per field").clone(),
        })
        .collect()
}

/// The timestamp of the event a method triggers: the caller's `timestamp` argument (now, when
/// it is `None`), or now when the method takes none.
fn event_timestamp(model: &AggregateImpl, event: &EventMethod) -> TokenStream {
    let krate = &model.krate;
    match event.params.iter().find(|param| param.is_timestamp) {
        Some(param) => {
            let ident = &param.ident;
            let ty = &param.ty;
            quote_spanned!(ty.span()=> #krate::domain::timestamp_param::<#ty>().event_timestamp(&#ident))
        }
        None => quote!(#krate::domain::timestamp_now()),
    }
}

/// The payload expression `WorldEvent::Variant { field: value, ... }`.
pub fn payload(model: &AggregateImpl, event: &EventMethod, values: &[TokenStream]) -> TokenStream {
    let event_enum = &model.event_enum;
    let variant = &event.variant;
    let fields = event.fields().map(|param| &param.ident);
    quote!(#event_enum::#variant { #(#fields: #values),* })
}

/// `__es_event_<method>`: the original body, private, with lint attributes kept.
fn body_fn(model: &AggregateImpl, event: &EventMethod) -> ImplItemFn {
    let mut func = event.func.clone();
    func.sig.ident = name::event_body_fn(&func.sig.ident);
    func.vis = Visibility::Inherited;
    func.attrs.retain(is_lint);
    func.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    if event.kind == EventKind::Constructor {
        struct_literals::add_base_field(&mut func.block, &model.aggregate);
    }
    // The event is stamped with `timestamp` whether the body reads it or not, so the body need
    // not (as in Python).
    if let Some(param) = event.params.iter().find(|param| param.is_timestamp) {
        let ident = &param.ident;
        func.block
            .stmts
            .insert(0, syn::parse_quote!(let _ = &#ident;));
    }
    func
}

/// A misused event method, as a plain method that raises no further errors.
fn rejected_fn(model: &AggregateImpl, func: &ImplItemFn) -> ImplItemFn {
    let mut func = func.clone();
    if func.sig.receiver().is_none() {
        struct_literals::add_base_field(&mut func.block, &model.aggregate);
    }
    func
}

/// The public method with the original name: triggers the event.
fn trigger_fn(model: &AggregateImpl, event: &EventMethod) -> ImplItemFn {
    let mut func = event.func.clone();
    // `#[expect]` stays with the body, where the code it is about is.
    func.attrs.retain(|attr| !attr.path().is_ident("expect"));
    func.sig.inputs = func
        .sig
        .inputs
        .into_iter()
        .map(|mut arg| {
            if let FnArg::Typed(typed) = &mut arg
                && let Pat::Ident(pat) = &mut *typed.pat
            {
                // The public method only clones and passes its arguments on.
                pat.mutability = None;
            }
            arg
        })
        .collect::<Punctuated<_, _>>();
    let block = match event.kind {
        EventKind::Constructor => constructor_block(model, event),
        EventKind::Command => command_block(model, event),
    };
    // The original braces keep the method's span on the user's tokens, so that lints about the
    // method (like `missing_docs`) point at it rather than at `#[aggregate]`.
    func.block.stmts = syn::Block::parse_within
        .parse2(block)
        .expect("generated statements parse");
    func
}

/// What both kinds of triggering method start from.
struct Trigger {
    /// The method holding the original body.
    body: Ident,
    /// The event's payload, built from clones of the arguments.
    payload: TokenStream,
    /// The arguments the body takes (`timestamp` from `__es_meta`).
    args: Vec<TokenStream>,
}

impl Trigger {
    fn new(model: &AggregateImpl, event: &EventMethod) -> Self {
        let cloned: Vec<TokenStream> = event
            .fields()
            .map(|param| {
                let ident = &param.ident;
                quote!(::core::clone::Clone::clone(&#ident))
            })
            .collect();
        let fields: Vec<TokenStream> = event.fields().map(|p| p.ident.to_token_stream()).collect();
        Trigger {
            body: name::event_body_fn(&event.func.sig.ident),
            payload: payload(model, event, &cloned),
            args: body_args(model, event, &fields, &quote!(__es_meta)),
        }
    }
}

fn command_block(model: &AggregateImpl, event: &EventMethod) -> TokenStream {
    let krate = &model.krate;
    let Trigger {
        body,
        payload,
        args,
    } = Trigger::new(model, event);
    let record = quote! {
        <Self as #krate::domain::Aggregate>::base_mut(self)
            .record(#krate::domain::DomainEvent::new(__es_meta, __es_payload));
    };
    let run = match event.returns {
        Returns::Result(_) => quote! {
            let __es_result = Self::#body(self, #(#args),*);
            if ::core::result::Result::is_ok(&__es_result) {
                #record
            }
            __es_result
        },
        Returns::Unit | Returns::Aggregate => quote! {
            Self::#body(self, #(#args),*);
            #record
        },
    };
    let timestamp = event_timestamp(model, event);
    quote! {
        let __es_meta = #krate::domain::EventMeta {
            timestamp: #timestamp,
            ..<Self as #krate::domain::Aggregate>::base(self).next_event_meta()
        };
        let __es_payload = #payload;
        #run
    }
}

fn constructor_block(model: &AggregateImpl, event: &EventMethod) -> TokenStream {
    let krate = &model.krate;
    let Trigger {
        body,
        payload,
        args,
    } = Trigger::new(model, event);
    let id = match &model.create_id {
        Some(create_id) => {
            let function = &create_id.ident;
            let args = create_id.params.iter().map(|(param, by_ref)| {
                // The constructor's own ident, which certainly resolves to its parameter.
                let arg = event
                    .fields()
                    .find(|field| field.ident == *param)
                    .map_or(param, |field| &field.ident);
                match by_ref {
                    true => quote!(&#arg),
                    false => quote!(::core::clone::Clone::clone(&#arg)),
                }
            });
            quote!(Self::#function(#(#args),*))
        }
        None => quote!(#krate::__private::uuid::Uuid::new_v4()),
    };
    let (build, done) = match event.returns {
        Returns::Result(_) => (
            quote! {
                match Self::#body(#(#args),*) {
                    ::core::result::Result::Ok(__es_aggregate) => __es_aggregate,
                    ::core::result::Result::Err(__es_error) => return ::core::result::Result::Err(__es_error),
                }
            },
            quote!(::core::result::Result::Ok(__es_aggregate)),
        ),
        Returns::Aggregate | Returns::Unit => {
            (quote!(Self::#body(#(#args),*)), quote!(__es_aggregate))
        }
    };
    let timestamp = event_timestamp(model, event);
    quote! {
        let __es_meta = #krate::domain::EventMeta {
            originator_id: #id,
            originator_version: 1,
            timestamp: #timestamp,
        };
        let __es_payload = #payload;
        let mut __es_aggregate = #build;
        let __es_base = <Self as #krate::domain::Aggregate>::base_mut(&mut __es_aggregate);
        __es_base.initialise(&__es_meta);
        __es_base.record(#krate::domain::DomainEvent::new(__es_meta, __es_payload));
        #done
    }
}

fn is_lint(attr: &Attribute) -> bool {
    ["allow", "warn", "deny", "forbid", "expect"]
        .iter()
        .any(|lint| attr.path().is_ident(lint))
}
