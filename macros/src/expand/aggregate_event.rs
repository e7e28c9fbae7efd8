//! `impl AggregateEvent<World> for WorldEvent`: replaying an event runs the body of the method
//! that recorded it.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;

use super::event_methods::body_args;
use super::event_payload::{any_fields, bind_fields};
use crate::internals::ast::{AggregateImpl, EventKind, EventMethod, Returns};
use crate::internals::name;

/// The `AggregateEvent` impl of the event enum, with its helper (to be placed in a `const _`
/// block).
pub fn generate(model: &AggregateImpl) -> TokenStream {
    let krate = &model.krate;
    let aggregate = &model.aggregate;
    let event_enum = &model.event_enum;
    let events: Vec<&EventMethod> = model.events().collect();
    let is_created = events.iter().map(|event| {
        let pattern = any_fields(event);
        let created = event.kind == EventKind::Constructor;
        quote!(#pattern => #created)
    });
    let create = events.iter().map(|event| create_arm(model, event));
    let apply = events.iter().map(|event| apply_arm(model, event));
    let (is_created, create, apply) = if events.is_empty() {
        (
            quote!(match *self {}),
            quote!(match self {}),
            quote!(match self {}),
        )
    } else {
        (
            quote!(match self { #(#is_created,)* }),
            quote!(match self { #(#create,)* }),
            quote!(match self { #(#apply,)* }),
        )
    };
    let rejected = events
        .iter()
        .filter(|event| matches!(event.returns, Returns::Result(_)))
        .map(|event| rejected_fn(model, event));
    quote! {
        #(#rejected)*

        #[automatically_derived]
        impl #krate::domain::AggregateEvent<#aggregate> for #event_enum {
            fn is_created(&self) -> bool {
                #is_created
            }

            // `meta` and the topic go unused when no event needs them.
            #[allow(unused_variables)]
            fn create(
                self,
                meta: &#krate::domain::EventMeta,
            ) -> ::core::result::Result<#aggregate, #krate::domain::DomainError> {
                let __es_topic = #krate::domain::EventPayload::topic(&self);
                #create
            }

            #[allow(unused_variables)]
            fn apply(
                self,
                aggregate: &mut #aggregate,
                meta: &#krate::domain::EventMeta,
            ) -> ::core::result::Result<(), #krate::domain::DomainError> {
                let __es_topic = #krate::domain::EventPayload::topic(&self);
                #apply
            }
        }
    }
}

fn create_arm(model: &AggregateImpl, event: &EventMethod) -> TokenStream {
    let krate = &model.krate;
    let aggregate = &model.aggregate;
    if event.kind == EventKind::Command {
        let pattern = any_fields(event);
        return quote! {
            #pattern => ::core::result::Result::Err(#krate::domain::DomainError::NotCreated {
                aggregate_id: meta.originator_id,
                topic: ::std::string::String::from(__es_topic),
            })
        };
    }
    let (pattern, bindings) = bind_fields(event);
    let body = name::event_body_fn(&event.func.sig.ident);
    let args = body_args(model, event, &bindings, &quote!(meta));
    let call = quote!(<#aggregate>::#body(#(#args),*));
    match &event.returns {
        Returns::Result(span) => {
            let rejected = rejected_call(event, *span);
            quote!(#pattern => ::core::result::Result::map_err(#call, |__es_error| #rejected))
        }
        Returns::Aggregate | Returns::Unit => quote!(#pattern => ::core::result::Result::Ok(#call)),
    }
}

fn apply_arm(model: &AggregateImpl, event: &EventMethod) -> TokenStream {
    let krate = &model.krate;
    let aggregate = &model.aggregate;
    if event.kind == EventKind::Constructor {
        let pattern = any_fields(event);
        return quote! {
            #pattern => ::core::result::Result::Err(#krate::domain::DomainError::AlreadyCreated {
                aggregate_id: meta.originator_id,
                topic: ::std::string::String::from(__es_topic),
            })
        };
    }
    let (pattern, bindings) = bind_fields(event);
    let body = name::event_body_fn(&event.func.sig.ident);
    let mut args = vec![quote!(aggregate)];
    args.extend(body_args(model, event, &bindings, &quote!(meta)));
    let call = quote!(<#aggregate>::#body(#(#args),*));
    match &event.returns {
        Returns::Result(span) => {
            let rejected = rejected_call(event, *span);
            quote! {
                #pattern => match #call {
                    ::core::result::Result::Ok(_) => ::core::result::Result::Ok(()),
                    ::core::result::Result::Err(__es_error) => ::core::result::Result::Err(#rejected),
                }
            }
        }
        Returns::Unit | Returns::Aggregate => quote! {
            #pattern => {
                #call;
                ::core::result::Result::Ok(())
            }
        },
    }
}

/// The call wrapping a body's error; spanned at the method's return type, where an error type
/// that is not `std::error::Error + Send + Sync + 'static` is then reported.
fn rejected_call(event: &EventMethod, span: Span) -> TokenStream {
    let mut rejected = name::rejected_fn(&event.func.sig.ident);
    rejected.set_span(span);
    quote_spanned!(span=> #rejected(__es_topic, __es_error))
}

/// The function wrapping the error of one event method's body, bounded by a trait of its own so
/// that an error type that cannot be kept is reported naming the method.
fn rejected_fn(model: &AggregateImpl, event: &EventMethod) -> TokenStream {
    let krate = &model.krate;
    let method = &event.func.sig.ident;
    let bound = name::event_error_trait(method);
    let rejected = name::rejected_fn(method);
    let message = format!(
        "the error type `{{Self}}` of event method `{}` must implement `std::error::Error + Send + Sync + 'static`",
        method.unraw()
    );
    quote! {
        #[diagnostic::on_unimplemented(
            message = #message,
            label = "replaying the event keeps this error in `DomainError::Rejected`, as a `Box<dyn std::error::Error + Send + Sync>`",
            note = "return an error type of your own instead, for example one with `#[derive(Debug, thiserror::Error)]`"
        )]
        #[allow(non_camel_case_types)]
        trait #bound:
            ::std::error::Error + ::core::marker::Send + ::core::marker::Sync + 'static
        {
        }

        impl<E> #bound for E
        where
            E: ::std::error::Error + ::core::marker::Send + ::core::marker::Sync + 'static,
        {
        }

        /// The error of the event body that failed while its event was replayed.
        fn #rejected<E: #bound>(topic: &str, error: E) -> #krate::domain::DomainError {
            #krate::domain::DomainError::Rejected {
                topic: ::std::string::String::from(topic),
                source: ::std::boxed::Box::new(error),
            }
        }
    }
}
