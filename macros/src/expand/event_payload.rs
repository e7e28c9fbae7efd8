//! `impl EventPayload for WorldEvent`: each event's topic and class version, and how its fields
//! are written to and read from stored state.

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::Path;
use syn::ext::IdentExt;

use super::state;
use crate::internals::ast::{AggregateImpl, EventKind, EventMethod};

/// The `EventPayload` impl of the event enum (to be placed in a `const _` block with the
/// autoref imports).
pub fn generate(model: &AggregateImpl) -> TokenStream {
    let krate = &model.krate;
    let event_enum = &model.event_enum;
    let topic = topic(model);
    let class_version = class_version(model);
    let encode = encode(model);
    let decode = decode(model);
    let decode_fields = decode_fields(model);
    quote! {
        #[automatically_derived]
        impl #krate::domain::EventPayload for #event_enum {
            #topic
            #class_version
            #encode
            #decode
            #decode_fields
        }
    }
}

/// The pattern `Self::Variant { field: __es_field_0, .. }` binding each field, and the bindings.
pub fn bind_fields(event: &EventMethod) -> (TokenStream, Vec<TokenStream>) {
    let variant = &event.variant;
    let (fields, bindings): (Vec<_>, Vec<_>) = event
        .fields()
        .enumerate()
        .map(|(i, param)| {
            (
                &param.ident,
                format_ident!("__es_field_{}", i).to_token_stream(),
            )
        })
        .unzip();
    (quote!(Self::#variant { #(#fields: #bindings),* }), bindings)
}

/// `Self::Variant { .. }`.
pub fn any_fields(event: &EventMethod) -> TokenStream {
    let variant = &event.variant;
    quote!(Self::#variant { .. })
}

fn topic(model: &AggregateImpl) -> TokenStream {
    let krate = &model.krate;
    let aggregate = &model.aggregate;
    let names = model.events().map(EventMethod::name);
    let count = model.events().count();
    let arms = model.events().enumerate().map(|(i, event)| {
        let pattern = any_fields(event);
        quote!(#pattern => topics[#i].as_str())
    });
    let (topics, body) = if count == 0 {
        (TokenStream::new(), quote!(match *self {}))
    } else {
        (
            quote! {
                fn topics() -> &'static [::std::string::String] {
                    static TOPICS: ::std::sync::OnceLock<[::std::string::String; #count]> = ::std::sync::OnceLock::new();
                    TOPICS.get_or_init(|| {
                        let aggregate = <#aggregate as #krate::domain::Aggregate>::topic();
                        [#([aggregate, ".", #names].concat()),*]
                    })
                }
            },
            quote! {
                let topics = <Self as #krate::domain::EventPayload>::topics();
                match self {
                    #(#arms,)*
                }
            },
        )
    };
    quote! {
        #topics

        fn topic(&self) -> &'static str {
            #body
        }
    }
}

/// Only generated when some event has a class version above 1 (the trait's default is 1).
fn class_version(model: &AggregateImpl) -> TokenStream {
    if model.events().all(|event| event.versioning.current() == 1) {
        return TokenStream::new();
    }
    let arms = model.events().map(|event| {
        let pattern = any_fields(event);
        let version = Literal::u32_unsuffixed(event.versioning.current());
        quote!(#pattern => #version)
    });
    quote! {
        fn class_version(&self) -> u32 {
            match self {
                #(#arms,)*
            }
        }
    }
}

fn encode(model: &AggregateImpl) -> TokenStream {
    let krate = &model.krate;
    let aggregate = &model.aggregate;
    let arms = model.events().map(|event| {
        let (pattern, bindings) = bind_fields(event);
        let originator_topic = (event.kind == EventKind::Constructor).then(|| {
            quote!(state.insert("originator_topic", <#aggregate as #krate::domain::Aggregate>::topic());)
        });
        let inserts = event.fields().zip(&bindings).map(|(param, binding)| {
            let key = param.ident.unraw().to_string();
            let value = state::encode(krate, binding.clone(), &key, &param.ty);
            quote!(state.insert(#key, #value);)
        });
        quote! {
            #pattern => {
                #originator_topic
                #(#inserts)*
            }
        }
    });
    let body = if model.events().next().is_none() {
        quote!(match *self {})
    } else {
        quote! {
            match self {
                #(#arms)*
            }
            ::core::result::Result::Ok(())
        }
    };
    quote! {
        fn encode(
            &self,
            state: &mut #krate::domain::Map,
        ) -> ::core::result::Result<(), #krate::domain::ValueError> {
            #body
        }
    }
}

fn decode(model: &AggregateImpl) -> TokenStream {
    let krate = &model.krate;
    let aggregate = &model.aggregate;
    let arms = model.events().map(|event| {
        let name = event.name();
        let upcasters: Vec<TokenStream> = event
            .versioning
            .upcasters()
            .iter()
            .map(|path| upcaster(model, path))
            .collect();
        let upcast = state::upcast(
            krate,
            quote!(topic),
            quote!(class_version),
            quote!(&mut state),
            &upcasters,
        );
        let originator_topic = (event.kind == EventKind::Constructor)
            .then(|| quote!(state.remove("originator_topic");));
        let variant = &event.variant;
        let fields = event.fields().map(|param| {
            let ident = &param.ident;
            let value = state::decode(
                krate,
                quote!(state),
                &ident.unraw().to_string(),
                &param.ty,
                quote!(topic),
            );
            quote!(#ident: #value)
        });
        quote! {
            ::core::option::Option::Some(#name) => {
                (#upcast)?;
                #originator_topic
                ::core::result::Result::Ok(Self::#variant { #(#fields),* })
            }
        }
    });
    quote! {
        // Unused only when there are no events, after an error was reported.
        #[allow(unused_mut, unused_variables)]
        fn decode(
            topic: &str,
            class_version: u32,
            mut state: #krate::domain::Map,
        ) -> ::core::result::Result<Self, #krate::domain::DomainError> {
            let __es_aggregate = <#aggregate as #krate::domain::Aggregate>::topic();
            match #krate::domain::topic::event_name(topic, __es_aggregate) {
                #(#arms)*
                _ => ::core::result::Result::Err(#krate::domain::DomainError::UnknownTopic {
                    topic: ::std::string::String::from(topic),
                    aggregate: __es_aggregate,
                }),
            }
        }
    }
}

/// The fast path: each field read straight from the stored text through a `FieldReader`
/// (generic, so compiled for the stored format's reader). Any key that is not a field
/// (or `originator_topic` of a created event), a field seen twice or missing, or a value that
/// does not decode gives `None`, and the mapper falls back to [`decode`].
fn decode_fields(model: &AggregateImpl) -> TokenStream {
    let krate = &model.krate;
    let aggregate = &model.aggregate;
    // Called by path, so that no method of a trait in the user's scope can be picked instead.
    let next_key = quote!(#krate::domain::FieldReader::next_key(fields));
    let read_value = quote!(#krate::domain::FieldReader::value(fields));
    let arms = model.events().map(|event| {
        let name = event.name();
        let variant = &event.variant;
        let slots: Vec<_> = (0..event.fields().count())
            .map(|i| format_ident!("__es_field_{}", i))
            .collect();
        let declarations = event.fields().zip(&slots).map(|(param, slot)| {
            let ty = &param.ty;
            quote!(let mut #slot: ::core::option::Option<#ty> = ::core::option::Option::None;)
        });
        let key_arms = event.fields().zip(&slots).map(|(param, slot)| {
            let key = param.ident.unraw().to_string();
            let value = state::decode_value(krate, quote!(#read_value?), &param.ty);
            quote! {
                #key if #slot.is_none() => {
                    #slot = ::core::option::Option::Some(#value.ok()?);
                }
            }
        });
        let originator_topic = (event.kind == EventKind::Constructor).then(|| {
            quote! {
                "originator_topic" => {
                    #read_value?;
                }
            }
        });
        let idents = event.fields().map(|param| &param.ident);
        quote! {
            ::core::option::Option::Some(#name) => {
                #(#declarations)*
                while let ::core::option::Option::Some(__es_key) = #next_key {
                    match &*__es_key {
                        #(#key_arms)*
                        #originator_topic
                        _ => return ::core::option::Option::None,
                    }
                }
                ::core::option::Option::Some(Self::#variant { #(#idents: #slots?),* })
            }
        }
    });
    quote! {
        // Unused only when there are no events, after an error was reported.
        #[allow(unused_variables)]
        fn decode_fields<'__es_de, __EsFields: #krate::domain::FieldReader<'__es_de>>(
            topic: &str,
            fields: &mut __EsFields,
        ) -> ::core::option::Option<Self> {
            let __es_aggregate = <#aggregate as #krate::domain::Aggregate>::topic();
            match #krate::domain::topic::event_name(topic, __es_aggregate) {
                #(#arms)*
                _ => ::core::option::Option::None,
            }
        }
    }
}

/// An upcaster path; a leading `Self` means the aggregate (here `Self` is the event enum).
fn upcaster(model: &AggregateImpl, path: &Path) -> TokenStream {
    let mut segments = path.segments.iter();
    match segments.next() {
        Some(first) if path.leading_colon.is_none() && first.ident == "Self" => {
            let aggregate = &model.aggregate;
            let rest = segments.map(|segment| quote!(::#segment));
            quote!(<#aggregate> #(#rest)*)
        }
        _ => path.to_token_stream(),
    }
}
