//! Reading option values, each reported with a message naming its option.

use proc_macro2::{Ident, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitStr, Path, Token, Visibility};

use super::{Upcasts, Version, Versioning};
use crate::internals::ctxt::Ctxt;

/// The option's name as written (`crate`, `topic_module`).
pub(super) fn key_of(meta: &ParseNestedMeta) -> String {
    meta.path.to_token_stream().to_string().replace(' ', "")
}

/// Stores an option's value, reporting a second occurrence of the option.
pub(super) fn set<T>(cx: &Ctxt, meta: &ParseNestedMeta, slot: &mut Option<T>, value: Option<T>) {
    let Some(value) = value else { return };
    if slot.is_some() {
        cx.error_spanned_by(&meta.path, format!("duplicate option `{}`", key_of(meta)));
    } else {
        *slot = Some(value);
    }
}

/// Reports an unknown option and skips its value, so that the options after it are still read.
pub(super) fn unknown(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    place: &str,
    known: &str,
) -> syn::Result<()> {
    cx.error_spanned_by(
        &meta.path,
        format!(
            "unknown option `{}` of {place}; the options are {known}",
            key_of(meta)
        ),
    );
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|nested| {
            nested.input.parse::<TokenStream>()?;
            Ok(())
        })?;
    }
    Ok(())
}

/// The value of `key = value`, parsed as an expression so that any value can be reported with a
/// message naming the option.
fn value_expr(meta: &ParseNestedMeta) -> syn::Result<Expr> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse()
    } else {
        Err(meta.error(format!(
            "`{}` needs a value: `{} = ...`",
            key_of(meta),
            key_of(meta)
        )))
    }
}

/// A string value, like `name = "World"`; `None` (reported) for any other value.
pub(super) fn string(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    match value_expr(meta)? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(Some(lit)),
        other => {
            cx.error_spanned_by(
                other,
                format!("`{}` takes a string, like `{example}`", key_of(meta)),
            );
            Ok(None)
        }
    }
}

/// The event enum's name, written as an identifier or a string.
pub(super) fn event_enum(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Ident>> {
    let parsed = match value_expr(meta)? {
        Expr::Path(path) if path.qself.is_none() => path
            .path
            .get_ident()
            .cloned()
            .ok_or_else(|| path.to_token_stream()),
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => lit.parse::<Ident>().map_err(|_| lit.to_token_stream()),
        other => Err(other.to_token_stream()),
    };
    Ok(parsed
        .map_err(|tokens| {
            cx.error_spanned_by(
                tokens,
                "`event` takes the name of the event enum to generate, like `event = WorldEvent`",
            )
        })
        .ok())
}

/// The runtime crate's path, written as a string.
pub(super) fn crate_path(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Path>> {
    const EXAMPLE: &str = "`crate` takes the path of the eventsourcing-seaorm crate as a string, like `crate = \"::eventsourcing_seaorm\"`";
    let Some(lit) = string(cx, meta, "crate = \"::eventsourcing_seaorm\"")? else {
        return Ok(None);
    };
    match lit.parse_with(Path::parse_mod_style) {
        Ok(path) => Ok(Some(path)),
        Err(_) => {
            cx.error_spanned_by(&lit, EXAMPLE);
            Ok(None)
        }
    }
}

/// A visibility, written as a string (`"pub(crate)"`).
pub(super) fn visibility(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Visibility>> {
    let Some(lit) = string(cx, meta, "vis = \"pub(crate)\"")? else {
        return Ok(None);
    };
    match lit.parse::<Visibility>() {
        Ok(vis) => Ok(Some(vis)),
        Err(_) => {
            cx.error_spanned_by(
                &lit,
                "`vis` takes a visibility as a string, like `vis = \"pub(crate)\"`",
            );
            Ok(None)
        }
    }
}

/// `version = N` or `upcast(...)`, into `versioning`.
pub(super) fn versioning(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    versioning: &mut Versioning,
) -> syn::Result<()> {
    if meta.path.is_ident("version") {
        let version = match value_expr(meta)? {
            Expr::Lit(ExprLit {
                lit: Lit::Int(lit), ..
            }) => match lit.base10_parse::<u32>() {
                Ok(value) => Some(Version { value, lit }),
                Err(_) => {
                    cx.error_spanned_by(&lit, "`version` must fit in a u32");
                    None
                }
            },
            other => {
                cx.error_spanned_by(other, "`version` takes a whole number, like `version = 2`");
                None
            }
        };
        set(cx, meta, &mut versioning.version, version);
    } else {
        let content;
        syn::parenthesized!(content in meta.input);
        let paths = Punctuated::<Path, Token![,]>::parse_terminated(&content)?;
        let upcasts = Upcasts {
            keyword: meta.path.clone(),
            paths: paths.into_iter().collect(),
        };
        set(cx, meta, &mut versioning.upcast, Some(upcasts));
    }
    Ok(())
}
