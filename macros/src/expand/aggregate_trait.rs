//! `impl Aggregate for World`: the topic, access to the base field, and the snapshot state.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::state;
use crate::internals::ast::AggregateStruct;

/// The `Aggregate` impl of the struct (to be placed in a `const _` block with the autoref
/// imports).
pub fn generate(model: &AggregateStruct) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.item.ident;
    let event = &model.event_enum;
    let class_version = model.versioning.current();
    let module = match &model.topic_module {
        Some(module) => module.to_token_stream(),
        None => quote!(::core::module_path!()),
    };
    let class_name = &model.class_name;
    let encode_state = encode_state(model);
    let decode_state = decode_state(model);
    let upcasters: Vec<TokenStream> = model
        .versioning
        .upcasters()
        .iter()
        .map(ToTokens::to_token_stream)
        .collect();
    let upcast = state::upcast(
        krate,
        quote!(<Self as #krate::domain::Aggregate>::topic()),
        quote!(class_version),
        quote!(state),
        &upcasters,
    );
    let state_param = if upcasters.is_empty() {
        quote!(_)
    } else {
        quote!(state)
    };
    quote! {
        #[automatically_derived]
        impl #krate::domain::Aggregate for #ident {
            type Event = #event;

            const CLASS_VERSION: u32 = #class_version;

            fn topic() -> &'static str {
                static TOPIC: ::std::sync::OnceLock<::std::string::String> = ::std::sync::OnceLock::new();
                TOPIC.get_or_init(|| #krate::domain::topic::topic(#module, #class_name))
            }

            fn base(&self) -> &#krate::domain::AggregateBase<#event> {
                &self.__es_base
            }

            fn base_mut(&mut self) -> &mut #krate::domain::AggregateBase<#event> {
                &mut self.__es_base
            }

            #encode_state

            #decode_state

            fn upcast_state(
                class_version: u32,
                #state_param: &mut #krate::domain::Map,
            ) -> ::core::result::Result<(), #krate::domain::DomainError> {
                #upcast
            }
        }
    }
}

/// Writes the stored fields in declaration order.
fn encode_state(model: &AggregateStruct) -> TokenStream {
    let krate = &model.krate;
    let inserts: Vec<TokenStream> = model
        .fields
        .iter()
        .filter(|field| !field.skip)
        .map(|field| state::insert_field(krate, field))
        .collect();
    let state_param = if inserts.is_empty() {
        quote!(_)
    } else {
        quote!(state)
    };
    quote! {
        fn encode_state(
            &self,
            #state_param: &mut #krate::domain::Map,
        ) -> ::core::result::Result<(), #krate::domain::ValueError> {
            #(#inserts)*
            ::core::result::Result::Ok(())
        }
    }
}

/// Reads the stored fields (ignoring extra keys) and defaults the skipped ones, and the
/// `default` ones that are missing.
fn decode_state(model: &AggregateStruct) -> TokenStream {
    let krate = &model.krate;
    let any_stored = model.fields.iter().any(|field| !field.skip);
    let values = model.fields.iter().map(|field| {
        state::field_init(field, |key, ty| {
            state::decode(krate, quote!(state), key, ty, quote!(__es_topic))
        })
    });
    let (state_param, topic) = if any_stored {
        (
            quote!(mut state),
            quote!(let __es_topic = <Self as #krate::domain::Aggregate>::topic();),
        )
    } else {
        (quote!(_), TokenStream::new())
    };
    quote! {
        fn decode_state(
            #state_param: #krate::domain::Map,
        ) -> ::core::result::Result<Self, #krate::domain::DomainError> {
            #topic
            ::core::result::Result::Ok(Self {
                #(#values,)*
                __es_base: ::core::default::Default::default(),
            })
        }
    }
}
