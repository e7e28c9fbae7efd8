//! An event method: a constructor (the created event) or a command (a later event), its name,
//! and what it returns.

use proc_macro2::{Ident, Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{GenericArgument, ImplItemFn, PathArguments, ReturnType, Signature, Type};

use super::param::{self, Param};
use crate::internals::attr::{EventOptions, Versioning};
use crate::internals::ctxt::Ctxt;
use crate::internals::name;

/// A method marked `#[event]`.
pub struct EventMethod {
    /// The method as written, minus `#[event]`.
    pub func: ImplItemFn,
    /// The event's name, which is also its variant in the event enum.
    pub variant: Ident,
    /// Where the name comes from, for error spans: the name literal or the method name.
    pub name_tokens: TokenStream,
    /// Class version and upcasters of the event.
    pub versioning: Versioning,
    /// Constructor or command.
    pub kind: EventKind,
    /// What the method returns.
    pub returns: Returns,
    /// The parameters (without the receiver), in order.
    pub params: Vec<Param>,
}

/// Whether an event method creates the aggregate or changes it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// No receiver: the created event.
    Constructor,
    /// `&mut self`: a later event.
    Command,
}

/// What an event method returns.
pub enum Returns {
    /// Nothing (commands).
    Unit,
    /// `Self` (constructors).
    Aggregate,
    /// A `Result`; the event is recorded only on `Ok`. Holds the span of the error type, where
    /// an error type that cannot be boxed as `std::error::Error` is reported.
    Result(Span),
}

impl EventMethod {
    /// The parameters that are event fields (all but `timestamp`).
    pub fn fields(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| !p.is_timestamp)
    }

    /// The event's name as stored in its topic.
    pub fn name(&self) -> String {
        self.variant.to_string()
    }

    /// Reads a method marked `#[event]` with `options` (the attribute already removed from
    /// `func`); `None` when it is misused (already reported).
    pub fn read(
        cx: &Ctxt,
        options: EventOptions,
        func: &ImplItemFn,
        aggregate: Option<&Ident>,
    ) -> Option<Self> {
        let kind = event_kind(cx, &func.sig);
        let name = event_name(cx, &options, &func.sig, kind.unwrap_or(EventKind::Command));
        let qualifiers_ok = check_qualifiers(cx, func);
        let params = param::read_all(cx, &func.sig);
        let returns = kind.and_then(|kind| returns(cx, &func.sig, kind, aggregate));
        match (kind, name, qualifiers_ok, params, returns) {
            (Some(kind), Some((variant, name_tokens)), true, Some(params), Some(returns)) => {
                Some(EventMethod {
                    func: func.clone(),
                    variant,
                    name_tokens,
                    versioning: options.versioning,
                    kind,
                    returns,
                    params,
                })
            }
            _ => None,
        }
    }
}

fn event_kind(cx: &Ctxt, sig: &Signature) -> Option<EventKind> {
    let Some(receiver) = sig.receiver() else {
        return Some(EventKind::Constructor);
    };
    let message = if receiver.colon_token.is_some() {
        "write the receiver of an event method as `&mut self`"
    } else if receiver.reference.is_none() {
        "an event method cannot consume the aggregate: take `&mut self` (a command) or no `self` (a constructor)"
    } else if receiver.mutability.is_none() {
        "an event method changes the aggregate: take `&mut self` (a command) or no `self` (a constructor)"
    } else {
        return Some(EventKind::Command);
    };
    cx.error_spanned_by(receiver, message);
    None
}

fn event_name(
    cx: &Ctxt,
    options: &EventOptions,
    sig: &Signature,
    kind: EventKind,
) -> Option<(Ident, TokenStream)> {
    if let Some(lit) = &options.name {
        let variant = name::event_variant(&lit.value(), lit.span());
        if variant.is_none() {
            cx.error_spanned_by(
                lit,
                format!(
                    "event name `{}` is not a Rust identifier; it also names a variant of the event enum, like \"SomethingHappened\"",
                    lit.value()
                ),
            );
        }
        return variant.map(|v| (v, lit.to_token_stream()));
    }
    let default = match kind {
        EventKind::Constructor => name::DEFAULT_CREATED_EVENT.to_owned(),
        EventKind::Command => name::upper_camel(&sig.ident.unraw().to_string()),
    };
    let variant = name::event_variant(&default, sig.ident.span());
    if variant.is_none() {
        cx.error_spanned_by(
            &sig.ident,
            format!("the default event name `{default}` is not a Rust identifier; name the event: `#[event(\"Name\")]`"),
        );
    }
    variant.map(|v| (v, sig.ident.to_token_stream()))
}

fn check_qualifiers(cx: &Ctxt, func: &ImplItemFn) -> bool {
    let sig = &func.sig;
    let mut ok = true;
    let mut fail = |tokens: &dyn ToTokens, message: &str| {
        cx.error_spanned_by(tokens, message);
        ok = false;
    };
    if let Some(constness) = &sig.constness {
        fail(constness, "an event method cannot be `const`");
    }
    if let Some(asyncness) = &sig.asyncness {
        fail(
            asyncness,
            "an event method cannot be `async`: its body runs again, synchronously, whenever the aggregate is replayed; do async work before calling it",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        fail(unsafety, "an event method cannot be `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        fail(abi, "an event method cannot have an `extern` ABI");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        fail(
            &sig.generics,
            "an event method cannot be generic: each parameter becomes an event field of one concrete type",
        );
    }
    if let Some(variadic) = &sig.variadic {
        fail(variadic, "an event method cannot be variadic");
    }
    for attr in &func.attrs {
        if attr.path().is_ident("cfg") {
            fail(
                attr,
                "`#[cfg]` cannot remove an event method: stored events of every kind must stay readable",
            );
        }
    }
    ok
}

fn returns(
    cx: &Ctxt,
    sig: &Signature,
    kind: EventKind,
    aggregate: Option<&Ident>,
) -> Option<Returns> {
    let ty = match &sig.output {
        ReturnType::Type(_, ty) => &**ty,
        ReturnType::Default if kind == EventKind::Command => return Some(Returns::Unit),
        ReturnType::Default => {
            cx.error_spanned_by(
                &sig.ident,
                "a constructor returns the aggregate it creates: add `-> Self` (or `-> Result<Self, E>`)",
            );
            return None;
        }
    };
    let found = match kind {
        EventKind::Command => match ty {
            Type::Tuple(unit) if unit.elems.is_empty() => Some(Returns::Unit),
            _ if result_args(ty).is_some() => Some(Returns::Result(error_type_span(ty))),
            _ => None,
        },
        EventKind::Constructor => {
            let is_aggregate = |ty: &Type| is_aggregate_type(ty, aggregate);
            if is_aggregate(ty) {
                Some(Returns::Aggregate)
            } else if result_args(ty).is_some_and(|args| args.first().is_some_and(is_aggregate)) {
                Some(Returns::Result(error_type_span(ty)))
            } else {
                None
            }
        }
    };
    if found.is_none() {
        let message = match kind {
            EventKind::Command => {
                "a command returns `()` or a `Result` (the event records what happened; a return value could not be replayed)"
            }
            EventKind::Constructor => "a constructor returns `Self` or `Result<Self, E>`",
        };
        cx.error_spanned_by(ty, message);
    }
    found
}

/// The type arguments of `Result<...>` (any path ending in `Result`, so aliases work too).
fn result_args(ty: &Type) -> Option<Vec<Type>> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Some(Vec::new());
    };
    Some(
        args.args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty.clone()),
                _ => None,
            })
            .collect(),
    )
}

/// The span of `E` in `Result<T, E>` (of the whole type when there is no `E`, as in an alias).
fn error_type_span(ty: &Type) -> Span {
    match result_args(ty).as_deref() {
        Some([_, error, ..]) => error.span(),
        _ => ty.span(),
    }
}

/// Whether `ty` names the aggregate (`Self` or its name).
pub fn is_aggregate_type(ty: &Type, aggregate: Option<&Ident>) -> bool {
    let Type::Path(path) = ty else { return false };
    path.qself.is_none()
        && path.path.segments.last().is_some_and(|last| {
            last.arguments.is_none() && (last.ident == "Self" || Some(&last.ident) == aggregate)
        })
}
