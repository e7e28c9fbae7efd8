//! Snippets shared by the generated event, snapshot and `Transcode` code: writing a field into
//! state, reading it back, and upcasting state written by an older class version.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Path, Type};

use crate::internals::ast::Field;

/// Brings the autoref encode/decode traits into scope (anonymously, so nothing can clash).
pub fn autoref_imports(krate: &Path) -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use #krate::__private::{CodecViaSerde as _, CodecViaTranscode as _};
    }
}

/// An expression of type `Value` encoding `value` (an expression of type `&ty`), through
/// `Transcode` when `ty` implements it and serde otherwise; a failure returns the `ValueError`
/// at `key` from the enclosing function.
///
/// A type that can be stored neither way is reported at the user's type (see `codec`).
pub fn encode(krate: &Path, value: TokenStream, key: &str, ty: &Type) -> TokenStream {
    let encoded = encode_value(krate, value, ty);
    quote! {
        #encoded.map_err(|__es_error| __es_error.at_key(#key))?
    }
}

/// Statements inserting `field` of `self` into `state` (a `Map`), under its key: nothing for a
/// skipped field, and nothing for a `default` field whose value is `null` (as an attribute a
/// Python object has not set yet: no key at all). A failure returns the `ValueError` at the key
/// from the enclosing function.
pub fn insert_field(krate: &Path, field: &Field) -> TokenStream {
    if field.skip {
        return TokenStream::new();
    }
    let ident = &field.ident;
    let key = &field.key;
    let value = encode(krate, quote!(&self.#ident), key, &field.ty);
    if field.default {
        quote! {
            let __es_value = #value;
            if !::core::matches!(__es_value, #krate::domain::Value::Null) {
                state.insert(#key, __es_value);
            }
        }
    } else {
        quote!(state.insert(#key, #value);)
    }
}

/// The initialiser `ident: value` of `field`, read from `state` (a `Map`): the default for a
/// skipped field, and for a `default` field whose key is missing. `decode` makes the stored
/// field's value from the key (see [`decode`] and [`decode_at_key`]).
pub fn field_init(field: &Field, decode: impl FnOnce(&str, &Type) -> TokenStream) -> TokenStream {
    let ident = &field.ident;
    if field.skip {
        return quote!(#ident: ::core::default::Default::default());
    }
    let key = &field.key;
    let value = decode(key, &field.ty);
    if field.default {
        quote! {
            #ident: if state.contains_key(#key) {
                #value
            } else {
                ::core::default::Default::default()
            }
        }
    } else {
        quote!(#ident: #value)
    }
}

/// An expression of type `ty` decoding the value under `key` taken out of `state` (a `Map`); a
/// missing key returns `ValueError::MissingKey`, an unreadable value its `ValueError` at the key,
/// from the enclosing function.
pub fn decode_at_key(krate: &Path, state: TokenStream, key: &str, ty: &Type) -> TokenStream {
    let decoded = decode_value(krate, quote!(__es_value), ty);
    quote! {
        #state
            .take(#key)
            .and_then(|__es_value| #decoded.map_err(|__es_error| __es_error.at_key(#key)))?
    }
}

/// An expression of type `Result<Value, ValueError>` encoding `value` (an expression of type
/// `&ty`), through `Transcode` when `ty` implements it and serde otherwise.
pub fn encode_value(krate: &Path, value: TokenStream, ty: &Type) -> TokenStream {
    let codec = codec(krate, ty);
    quote_spanned!(ty.span()=> #codec.encode(#value))
}

/// An expression of type `Result<ty, ValueError>` decoding `value` (an expression of type
/// `Value`), through `Transcode` when `ty` implements it and serde otherwise.
pub fn decode_value(krate: &Path, value: TokenStream, ty: &Type) -> TokenStream {
    let codec = codec(krate, ty);
    quote_spanned!(ty.span()=> #codec.decode(#value))
}

/// An expression of the codec storing `ty`. It and the calls on it carry the span of `ty`, so
/// that a type that can be stored neither way is reported at the user's type, once: encoding and
/// decoding fail the same bound there.
fn codec(krate: &Path, ty: &Type) -> TokenStream {
    quote_spanned!(ty.span()=> (&#krate::__private::Codec::<#ty>::new()).__es_codec())
}

/// An expression of type `ty` decoding the value under `key` taken out of `state` (a `Map`); a
/// missing or unreadable value returns a `DomainError::Value` naming `topic` and `key` from the
/// enclosing function.
pub fn decode(
    krate: &Path,
    state: TokenStream,
    key: &str,
    ty: &Type,
    topic: TokenStream,
) -> TokenStream {
    let decoded = decode_value(krate, quote!(__es_value), ty);
    quote! {
        #state
            .take(#key)
            .and_then(|__es_value| #decoded)
            .map_err(|source| #krate::domain::DomainError::Value {
                topic: ::std::string::String::from(#topic),
                field: ::core::option::Option::Some(::std::string::String::from(#key)),
                source,
            })?
    }
}

/// An expression of type `Result<(), DomainError>` that runs, on `state` (an expression of type
/// `&mut Map`), the upcasters from `stored` (an expression of type `u32`) up to `current`, or
/// fails when `stored` is not a version this program knows. An upcaster that returns an error
/// returns it from the enclosing function (whose error type takes a `DomainError`) with `?`.
///
/// `upcasters` holds one function per step (version 1 → 2 first).
pub fn upcast(
    krate: &Path,
    topic: TokenStream,
    stored: TokenStream,
    state: TokenStream,
    upcasters: &[TokenStream],
) -> TokenStream {
    let current = upcasters.len() as u32 + 1;
    let arms = (1..=current).map(|version| {
        let steps = upcasters[version as usize - 1..]
            .iter()
            .zip(version..)
            .map(|(step, from)| {
                let from = Literal::u32_unsuffixed(from);
                let stored = Literal::u32_unsuffixed(version);
                quote!(#krate::domain::upcast_step(#step(#state), #topic, #stored, #from)?;)
            });
        let version = Literal::u32_unsuffixed(version);
        quote! {
            #version => {
                #(#steps)*
                ::core::result::Result::Ok(())
            }
        }
    });
    quote! {
        match #stored {
            #(#arms)*
            stored => ::core::result::Result::Err(#krate::domain::DomainError::ClassVersion {
                topic: ::std::string::String::from(#topic),
                stored,
                current: #current,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upcast_runs_the_remaining_steps_from_each_stored_version() {
        let krate: Path = syn::parse_quote!(::es);
        let generated = upcast(
            &krate,
            quote!(topic),
            quote!(v),
            quote!(state),
            &[quote!(a), quote!(b)],
        );
        let expected = quote! {
            match v {
                1 => {
                    ::es::domain::upcast_step(a(state), topic, 1, 1)?;
                    ::es::domain::upcast_step(b(state), topic, 1, 2)?;
                    ::core::result::Result::Ok(())
                }
                2 => {
                    ::es::domain::upcast_step(b(state), topic, 2, 2)?;
                    ::core::result::Result::Ok(())
                }
                3 => { ::core::result::Result::Ok(()) }
                stored => ::core::result::Result::Err(::es::domain::DomainError::ClassVersion {
                    topic: ::std::string::String::from(topic),
                    stored,
                    current: 3u32,
                }),
            }
        };
        assert_eq!(generated.to_string(), expected.to_string());
    }
}
