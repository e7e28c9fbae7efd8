//! Completes the struct literals of a constructor body with the hidden base field, so that a
//! constructor can build its aggregate as `Self { field: value }`, as if the field did not exist.

use proc_macro2::Ident;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, ExprStruct, FieldValue, Item};

/// Adds `__es_base: Default::default()` to every `Self { .. }` or `<aggregate> { .. }` literal
/// in `block` that has no `..rest` (which already provides it). Nested items are left alone:
/// their `Self` is another type.
pub fn add_base_field(block: &mut Block, aggregate: &Ident) {
    AddBaseField { aggregate }.visit_block_mut(block);
}

struct AddBaseField<'a> {
    aggregate: &'a Ident,
}

impl VisitMut for AddBaseField<'_> {
    fn visit_expr_struct_mut(&mut self, literal: &mut ExprStruct) {
        visit_mut::visit_expr_struct_mut(self, literal);
        let names_aggregate = literal.qself.is_none()
            && literal
                .path
                .segments
                .last()
                .is_some_and(|last| last.ident == "Self" || last.ident == *self.aggregate);
        if names_aggregate && literal.rest.is_none() {
            let base: FieldValue =
                syn::parse_quote!(__es_base: ::core::default::Default::default());
            literal.fields.push(base);
        }
    }

    fn visit_item_mut(&mut self, _: &mut Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn literals_of_the_aggregate_get_the_base_field() {
        let mut block: Block = syn::parse_quote!({
            let other = Other { a: 1 };
            let closure = || World { b: 2 };
            fn nested() -> Inner {
                Self { c: 3 }
            }
            if other.a > 0 {
                Self { d: 4, ..closure() }
            } else {
                Self { e: 5 }
            }
        });
        add_base_field(
            &mut block,
            &Ident::new("World", proc_macro2::Span::call_site()),
        );
        let expected: Block = syn::parse_quote!({
            let other = Other { a: 1 };
            let closure = || World {
                b: 2,
                __es_base: ::core::default::Default::default(),
            };
            fn nested() -> Inner {
                Self { c: 3 }
            }
            if other.a > 0 {
                Self { d: 4, ..closure() }
            } else {
                Self {
                    e: 5,
                    __es_base: ::core::default::Default::default(),
                }
            }
        });
        // Trailing commas aside (rustfmt adds them to the expected block).
        let text = |block: &Block| block.to_token_stream().to_string().replace(" , }", " }");
        assert_eq!(text(&block), text(&expected));
    }
}
