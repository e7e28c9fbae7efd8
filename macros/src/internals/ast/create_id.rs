//! The `create_id` function of an aggregate: computes a new aggregate's id from constructor
//! arguments, as Python's `create_id` class method does.

use proc_macro2::Ident;
use syn::{FnArg, Pat, Signature, Type};

use crate::internals::ctxt::Ctxt;

/// The `create_id` function: computes a new aggregate's id from constructor arguments.
pub struct CreateId {
    /// Its name.
    pub ident: Ident,
    /// Its parameters: the constructor arguments it takes, and whether it takes them by
    /// reference.
    pub params: Vec<(Ident, bool)>,
}

impl CreateId {
    /// Reads a `create_id` function; `None` when it is misused (already reported).
    pub fn read(cx: &Ctxt, sig: &Signature) -> Option<CreateId> {
        let mut params = Vec::with_capacity(sig.inputs.len());
        for arg in &sig.inputs {
            match arg {
                FnArg::Receiver(receiver) => {
                    cx.error_spanned_by(
                        receiver,
                        "`create_id` takes no `self`: it computes the id of an aggregate that does not exist yet",
                    );
                    return None;
                }
                FnArg::Typed(arg) => match &*arg.pat {
                    Pat::Ident(pat) if pat.subpat.is_none() => {
                        params.push((pat.ident.clone(), matches!(*arg.ty, Type::Reference(_))));
                    }
                    other => {
                        cx.error_spanned_by(
                            other,
                            "`create_id` parameters are named like the constructor parameters they take",
                        );
                        return None;
                    }
                },
            }
        }
        Some(CreateId {
            ident: sig.ident.clone(),
            params,
        })
    }
}
