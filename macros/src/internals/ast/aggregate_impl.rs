//! The aggregate `impl` block: its event methods (constructors and commands), its optional
//! `create_id`, and everything else, which passes through.

use proc_macro2::Ident;
use syn::{Attribute, ImplItem, ImplItemFn, ItemImpl, Path, ReturnType, Type, Visibility};

use super::create_id::CreateId;
use super::default_crate;
use super::event_method::{EventMethod, is_aggregate_type};
use crate::internals::attr::{self, EventOptions, ImplOptions};
use crate::internals::ctxt::Ctxt;
use crate::internals::name;

/// An `impl` block under `#[aggregate]`.
pub struct AggregateImpl {
    /// The block as written; its items are replaced by [`members`](Self::members) on output.
    pub item: ItemImpl,
    /// The aggregate struct's name (last segment of the self type).
    pub aggregate: Ident,
    /// Path of the runtime crate.
    pub krate: Path,
    /// The event enum to generate.
    pub event_enum: Ident,
    /// The event enum's visibility.
    pub vis: Visibility,
    /// The items of the block, in order.
    pub members: Vec<Member>,
    /// The `create_id` function, when there is one.
    pub create_id: Option<CreateId>,
    /// Whether some `#[event]` method has no receiver, valid or not (so that a broken constructor
    /// is not also reported as a missing one).
    pub constructor_written: bool,
    /// The paths of all `#[event]` attributes read (and removed), as written.
    pub event_attr_paths: Vec<Path>,
}

/// An item of the `impl` block.
pub enum Member {
    /// An event method.
    Event(EventMethod),
    /// Any other item, passed through (with a misused `#[event]` removed).
    Other(ImplItem),
    /// A method whose misuse was reported: passed through as a plain method, so that it raises
    /// no further errors (with its struct literals completed if it has no receiver, as a
    /// constructor's are).
    Rejected(ImplItemFn),
}

impl AggregateImpl {
    /// Reads an `impl` block and its options; `None` when it cannot be an aggregate's `impl`
    /// block (already reported). `#[event]` attributes are removed from `item` in any case.
    pub fn from_item(cx: &Ctxt, options: ImplOptions, item: &mut ItemImpl) -> Option<Self> {
        let aggregate = aggregate_ident(cx, item);
        let mut members = Vec::with_capacity(item.items.len());
        let mut reader = MemberReader {
            aggregate: aggregate.as_ref(),
            create_id: None,
            constructor_written: false,
            event_attr_paths: Vec::new(),
        };
        for impl_item in std::mem::take(&mut item.items) {
            let member = reader.member(cx, impl_item);
            item.items.push(match &member {
                Member::Event(EventMethod { func, .. }) | Member::Rejected(func) => {
                    ImplItem::Fn(func.clone())
                }
                Member::Other(other) => other.clone(),
            });
            members.push(member);
        }
        let MemberReader {
            create_id,
            constructor_written,
            event_attr_paths,
            ..
        } = reader;
        let aggregate = aggregate?;
        Some(AggregateImpl {
            krate: options.krate.unwrap_or_else(default_crate),
            event_enum: options
                .event
                .unwrap_or_else(|| name::default_event_enum(&aggregate)),
            vis: options.vis.unwrap_or_else(|| syn::parse_quote!(pub)),
            aggregate,
            members,
            create_id,
            constructor_written,
            event_attr_paths,
            item: item.clone(),
        })
    }

    /// The event methods, in order.
    pub fn events(&self) -> impl Iterator<Item = &EventMethod> {
        self.members.iter().filter_map(|m| match m {
            Member::Event(event) => Some(event),
            Member::Other(_) | Member::Rejected(_) => None,
        })
    }

    /// The position in [`members`](Self::members) of a method that is not an event but looks
    /// like a constructor: no receiver, returns the aggregate.
    pub fn plain_constructor(&self) -> Option<usize> {
        self.members.iter().position(|member| {
            matches!(member, Member::Other(ImplItem::Fn(func))
                if func.sig.receiver().is_none()
                    && matches!(&func.sig.output, ReturnType::Type(_, ty) if is_aggregate_type(ty, Some(&self.aggregate))))
        })
    }
}

fn aggregate_ident(cx: &Ctxt, item: &ItemImpl) -> Option<Ident> {
    if let Some((_, trait_path, _)) = &item.trait_ {
        cx.error_spanned_by(
            trait_path,
            "`#[aggregate]` goes on the aggregate's own impl block (`impl World { ... }`), not on a trait impl",
        );
        return None;
    }
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &item.generics,
            "an aggregate's impl block cannot be generic: the aggregate is one concrete type",
        );
        return None;
    }
    match &*item.self_ty {
        Type::Path(path) if path.qself.is_none() => match path.path.segments.last() {
            Some(last) if last.arguments.is_none() && last.ident != "Self" => {
                Some(last.ident.clone())
            }
            _ => {
                cx.error_spanned_by(
                    path,
                    "`#[aggregate]` goes on the impl block of a struct under `#[aggregate]`",
                );
                None
            }
        },
        other => {
            cx.error_spanned_by(
                other,
                "`#[aggregate]` goes on the impl block of a struct under `#[aggregate]`",
            );
            None
        }
    }
}

/// Reads the items of the block one by one.
struct MemberReader<'a> {
    aggregate: Option<&'a Ident>,
    create_id: Option<CreateId>,
    constructor_written: bool,
    event_attr_paths: Vec<Path>,
}

impl MemberReader<'_> {
    fn take_event_attrs(&mut self, attrs: &mut Vec<Attribute>) -> Vec<Attribute> {
        let (events, others): (Vec<_>, _) =
            std::mem::take(attrs).into_iter().partition(attr::is_event);
        *attrs = others;
        self.event_attr_paths
            .extend(events.iter().map(|attr| attr.path().clone()));
        events
    }

    fn member(&mut self, cx: &Ctxt, impl_item: ImplItem) -> Member {
        let ImplItem::Fn(mut func) = impl_item else {
            let mut other = impl_item;
            if let Some(attrs) = attrs_mut(&mut other) {
                for attr in self.take_event_attrs(attrs) {
                    cx.error_spanned_by(
                        &attr,
                        "`#[event]` goes on a method: a constructor (no `self`) or a command (`&mut self`)",
                    );
                }
            }
            return Member::Other(other);
        };
        let mut event_attrs = self.take_event_attrs(&mut func.attrs).into_iter();
        let Some(event_attr) = event_attrs.next() else {
            if func.sig.ident == "create_id" {
                self.create_id = CreateId::read(cx, &func.sig);
            }
            return Member::Other(ImplItem::Fn(func));
        };
        for extra in event_attrs {
            cx.error_spanned_by(
                extra,
                "a method can record only one event: remove this `#[event]`",
            );
        }
        let options = EventOptions::parse_attr(cx, &event_attr);
        self.constructor_written |= func.sig.receiver().is_none();
        match EventMethod::read(cx, options, &func, self.aggregate) {
            Some(event) => Member::Event(event),
            None => Member::Rejected(func),
        }
    }
}

fn attrs_mut(item: &mut ImplItem) -> Option<&mut Vec<Attribute>> {
    match item {
        ImplItem::Const(c) => Some(&mut c.attrs),
        ImplItem::Type(t) => Some(&mut t.attrs),
        ImplItem::Macro(m) => Some(&mut m.attrs),
        ImplItem::Fn(f) => Some(&mut f.attrs),
        _ => None,
    }
}
