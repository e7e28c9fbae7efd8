//! `#[derive(Transcode)]`: a type stored as the Python original stores a dict, a value or a
//! string, whose fields are each stored through `Transcode` where their types implement it (so
//! that UUIDs, Decimals and datetimes inside it are `{"_type_", "_data_"}` objects at any depth)
//! and through serde otherwise.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::state;
use crate::internals::ast::{Shape, TranscodeType};

/// The `Transcode` impl, in an anonymous const so that its imports never leak.
pub fn generate(model: &TranscodeType) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let (to_value, from_value) = match &model.shape {
        Shape::Named(fields) => {
            let inserts = fields.iter().map(|field| state::insert_field(krate, field));
            let capacity = fields.iter().filter(|field| !field.skip).count();
            let inits = fields.iter().map(|field| {
                state::field_init(field, |key, ty| {
                    state::decode_at_key(krate, quote!(state), key, ty)
                })
            });
            let expected = Literal::string(&format!("map ({ident})"));
            (
                quote! {
                    #[allow(unused_mut)]
                    let mut state = #krate::domain::Map::with_capacity(#capacity);
                    #(#inserts)*
                    ::core::result::Result::Ok(#krate::domain::Value::Map(state))
                },
                quote! {
                    #[allow(unused_mut, unused_variables)]
                    let mut state = match value {
                        #krate::domain::Value::Map(state) => state,
                        other => {
                            return ::core::result::Result::Err(#krate::domain::ValueError::Type {
                                expected: #expected,
                                found: other.kind(),
                            })
                        }
                    };
                    ::core::result::Result::Ok(Self { #(#inits,)* })
                },
            )
        }
        Shape::Newtype(ty) => {
            let encoded = state::encode_value(krate, quote!(&self.0), ty);
            let decoded = state::decode_value(krate, quote!(value), ty);
            (
                quote!(#encoded),
                quote!(::core::result::Result::map(#decoded, Self)),
            )
        }
        Shape::UnitEnum(variants) => {
            let to_arms = variants
                .iter()
                .map(|(variant, stored)| quote!(Self::#variant => #stored));
            let from_arms = variants.iter().map(
                |(variant, stored)| quote!(#stored => ::core::result::Result::Ok(Self::#variant)),
            );
            let names: Vec<&str> = variants.iter().map(|(_, stored)| stored.as_str()).collect();
            let expected = Literal::string(&format!("one of {names:?}"));
            let what = Literal::string(&ident.to_string());
            let expected_string = Literal::string(&format!("string ({ident})"));
            (
                quote! {
                    let name: &str = match self { #(#to_arms,)* };
                    ::core::result::Result::Ok(#krate::domain::Value::String(
                        ::std::string::String::from(name),
                    ))
                },
                quote! {
                    match value {
                        #krate::domain::Value::String(name) => match name.as_str() {
                            #(#from_arms,)*
                            _ => ::core::result::Result::Err(#krate::domain::ValueError::Invalid {
                                what: #what,
                                reason: ::std::format!("{:?} is not {}", name, #expected),
                            }),
                        },
                        other => ::core::result::Result::Err(#krate::domain::ValueError::Type {
                            expected: #expected_string,
                            found: other.kind(),
                        }),
                    }
                },
            )
        }
    };
    let imports = state::autoref_imports(krate);
    quote! {
        const _: () = {
            #imports

            #[automatically_derived]
            impl #krate::domain::Transcode for #ident {
                fn to_value(
                    &self,
                ) -> ::core::result::Result<#krate::domain::Value, #krate::domain::ValueError> {
                    #to_value
                }

                fn from_value(
                    value: #krate::domain::Value,
                ) -> ::core::result::Result<Self, #krate::domain::ValueError> {
                    #from_value
                }
            }
        };
    }
}
