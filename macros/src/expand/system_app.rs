//! `#[derive(SystemApplication)]`: an application of a system built from its builder, named
//! after the type as the Python original names applications after their classes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::ast::SystemApp;

/// The `SystemApplication` impl, in an anonymous const.
pub fn generate(model: &SystemApp) -> TokenStream {
    let SystemApp {
        ident,
        krate,
        name,
        field,
        tuple,
    } = model;
    let built = quote!(builder.build().await?);
    let construct = if *tuple {
        quote!(Self(#built))
    } else {
        quote!(Self { #field: #built })
    };
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #krate::system::SystemApplication for #ident {
                const NAME: &'static str = #name;

                async fn build(
                    builder: #krate::application::ApplicationBuilder,
                ) -> ::core::result::Result<Self, #krate::application::ApplicationError> {
                    ::core::result::Result::Ok(#construct)
                }

                fn application(&self) -> &#krate::application::Application {
                    &self.#field
                }
            }
        };
    }
}
