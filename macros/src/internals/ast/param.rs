//! A parameter of an event method: an event field (or the caller's `timestamp` of the event).

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{FnArg, Pat, PatType, Signature, Type};

use crate::internals::ctxt::Ctxt;
use crate::internals::name;

/// A parameter of an event method.
pub struct Param {
    /// Its name: the event field's name.
    pub ident: Ident,
    /// Its type: the event field's type.
    pub ty: Type,
    /// Whether it is `timestamp`: the caller's timestamp of the event (the runtime's
    /// `domain::EventTimestamp`), which is no field.
    pub is_timestamp: bool,
}

/// Reads the parameters of an event method; `None` when one is misused (already reported).
pub fn read_all(cx: &Ctxt, sig: &Signature) -> Option<Vec<Param>> {
    let mut params = Vec::with_capacity(sig.inputs.len());
    let mut ok = true;
    for arg in &sig.inputs {
        if let FnArg::Typed(arg) = arg {
            match read(cx, arg) {
                Some(param) => params.push(param),
                None => ok = false,
            }
        }
    }
    ok.then_some(params)
}

fn read(cx: &Ctxt, arg: &PatType) -> Option<Param> {
    let ident = match &*arg.pat {
        Pat::Ident(pat) => {
            if let Some(by_ref) = &pat.by_ref {
                cx.error_spanned_by(
                    by_ref,
                    "event method parameters are taken by value (the event keeps them): remove `ref`",
                );
                None
            } else if let Some((at, subpat)) = &pat.subpat {
                cx.error_spanned_by(
                    quote::quote!(#at #subpat),
                    "patterns are not supported here: each parameter of an event method becomes a named event field; write `name: Type`",
                );
                None
            } else {
                Some(pat.ident.clone())
            }
        }
        Pat::Wild(wild) => {
            cx.error_spanned_by(
                wild,
                "name this parameter: each parameter of an event method becomes a named event field",
            );
            None
        }
        other => {
            cx.error_spanned_by(
                other,
                "patterns are not supported here: each parameter of an event method becomes a named event field; write `name: Type`",
            );
            None
        }
    };
    let ty_ok = check_param_type(cx, &arg.ty);
    let ident = ident?;
    let name = ident.unraw().to_string();
    let is_timestamp = name == "timestamp";
    if name::is_generated(&name) {
        cx.error_spanned_by(
            &ident,
            format!(
                "names starting with `{}` are reserved for generated code",
                name::GENERATED_PREFIX
            ),
        );
        return None;
    }
    if name::RESERVED_EVENT_KEYS.contains(&name.as_str()) {
        cx.error_spanned_by(
            &ident,
            format!("`{name}` cannot be an event field: every stored event has this key already; rename the parameter"),
        );
        return None;
    }
    ty_ok.then(|| Param {
        ident,
        ty: (*arg.ty).clone(),
        is_timestamp,
    })
}

fn check_param_type(cx: &Ctxt, ty: &Type) -> bool {
    let message = match ty {
        Type::Reference(_) => {
            "event fields are owned values, which the event keeps: take an owned type (`String` rather than `&str`)"
        }
        Type::ImplTrait(_) => {
            "`impl Trait` cannot be an event field's type: name the concrete type"
        }
        _ if mentions(ty.to_token_stream(), "impl") => {
            "`impl Trait` cannot be part of an event field's type: name the concrete type"
        }
        _ if mentions(ty.to_token_stream(), "Self") => {
            "name the type instead of using `Self`: the parameter's type is also an event field's type, outside this impl"
        }
        _ => return true,
    };
    cx.error_spanned_by(ty, message);
    false
}

fn mentions(tokens: TokenStream, word: &str) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == word,
        TokenTree::Group(group) => mentions(group.stream(), word),
        _ => false,
    })
}
