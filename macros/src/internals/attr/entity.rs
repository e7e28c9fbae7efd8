//! The options of `#[entity(...)]` on a module: the kind of table, its name, and where the
//! runtime crate is.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::Parser;
use syn::{LitStr, Path, Token};

use super::values::{crate_path, key_of, set, string, unknown};
use crate::internals::ctxt::Ctxt;

/// The kinds of event-store table that `#[entity]` declares, each with the shape Django's
/// migration `eventsourcing_django 0001_initial` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// `stored_events`: one row per event, keyed by its notification id.
    StoredEvents,
    /// `snapshots`: one row per snapshot.
    Snapshots,
    /// `notification_tracking`: one row per notification a follower has processed.
    NotificationTracking,
}

impl TableKind {
    /// Every kind, in the order the messages list them.
    const ALL: [TableKind; 3] = [
        TableKind::StoredEvents,
        TableKind::Snapshots,
        TableKind::NotificationTracking,
    ];

    /// The kind as written in `#[entity(...)]`, which is also the default table's name.
    pub fn keyword(self) -> &'static str {
        match self {
            TableKind::StoredEvents => "stored_events",
            TableKind::Snapshots => "snapshots",
            TableKind::NotificationTracking => "notification_tracking",
        }
    }

    fn from_keyword(keyword: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.keyword() == keyword)
    }
}

/// Options of `#[entity(...)]` on a module.
#[derive(Default)]
pub struct EntityOptions {
    /// `stored_events`, `snapshots` or `notification_tracking`: the kind of table.
    pub kind: Option<TableKind>,
    /// `table_name = "..."`: the table's name.
    pub table_name: Option<LitStr>,
    /// `crate = "path"`: where the runtime crate is.
    pub krate: Option<Path>,
}

/// The kinds, as the messages list them.
const KINDS: &str = "`stored_events`, `snapshots` and `notification_tracking`";
const ENTITY_OPTIONS: &str = "the kind of table (`stored_events`, `snapshots` or `notification_tracking`), `table_name` and `crate`";

impl EntityOptions {
    /// Parses the arguments of `#[entity(...)]`: a kind of table and `key = "value"` options, in
    /// any order. The kind and `table_name` are required; when one is not written at all, the
    /// error is at the arguments (at the attribute when there are none).
    pub fn parse(cx: &Ctxt, args: TokenStream) -> Self {
        let mut options = EntityOptions::default();
        let (mut kind_written, mut table_name_written, mut unknown_written) = (false, false, false);
        let parser = syn::meta::parser(|meta| {
            let key = key_of(&meta);
            let bare = !meta.input.peek(Token![=]) && !meta.input.peek(syn::token::Paren);
            match key.as_str() {
                "table_name" => {
                    table_name_written = true;
                    set(
                        cx,
                        &meta,
                        &mut options.table_name,
                        string(cx, &meta, "table_name = \"audit_events\"")?,
                    );
                }
                "crate" => set(cx, &meta, &mut options.krate, crate_path(cx, &meta)?),
                _ if bare => {
                    kind_written = true;
                    options.kind(cx, &meta.path);
                }
                _ => {
                    unknown_written = true;
                    unknown(cx, &meta, "`#[entity]`", ENTITY_OPTIONS)?;
                }
            }
            Ok(())
        });
        match parser.parse2(args.clone()) {
            // An unknown option is most likely a misspelled `table_name`, and its error lists
            // `table_name`: it is not reported as missing too.
            Ok(()) => missing(
                cx,
                &args,
                kind_written,
                table_name_written || unknown_written,
            ),
            Err(error) => cx.syn_error(error),
        }
        options
    }

    /// A bare word: the kind of table.
    fn kind(&mut self, cx: &Ctxt, path: &Path) {
        let found = path
            .get_ident()
            .and_then(|ident| TableKind::from_keyword(&ident.to_string()));
        match (found, self.kind) {
            (None, _) => cx.error_spanned_by(
                path,
                format!(
                    "unknown kind of table `{}`; the kinds are {KINDS}",
                    path.to_token_stream().to_string().replace(' ', "")
                ),
            ),
            (Some(_), Some(first)) => cx.error_spanned_by(
                path,
                format!(
                    "the kind of table is already `{}`: one `#[entity]` module declares one table",
                    first.keyword()
                ),
            ),
            (Some(kind), None) => self.kind = Some(kind),
        }
    }
}

/// Reports the kind or the table name when it is not written, with the form to write.
fn missing(cx: &Ctxt, args: &TokenStream, kind_written: bool, table_name_written: bool) {
    let missing = match (kind_written, table_name_written) {
        (true, true) => return,
        (false, false) => "the kind of table and its name",
        (false, true) => "the kind of table",
        (true, false) => "the table's name",
    };
    let message = format!(
        "`#[entity]` needs {missing}, like `#[entity(stored_events, table_name = \"audit_events\")]` (the kinds are {KINDS})"
    );
    if args.is_empty() {
        // No tokens to point at: the error is at the attribute.
        cx.syn_error(syn::Error::new(Span::call_site(), message));
    } else {
        cx.error_spanned_by(args, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn entity_options_are_read_in_any_order() {
        let cx = Ctxt::new();
        let options = EntityOptions::parse(
            &cx,
            quote!(
                crate = "::es",
                notification_tracking,
                table_name = "audit_tracking"
            ),
        );
        assert!(cx.messages().is_empty());
        assert_eq!(options.kind.unwrap(), TableKind::NotificationTracking);
        assert_eq!(options.table_name.unwrap().value(), "audit_tracking");
        assert_eq!(
            options.krate.unwrap().to_token_stream().to_string(),
            ":: es"
        );
    }

    #[test]
    fn all_bad_entity_options_are_reported() {
        let cx = Ctxt::new();
        let options = EntityOptions::parse(
            &cx,
            quote!(
                events,
                stored_events,
                snapshots,
                table = "x",
                table_name = x,
                table_name = "a",
                table_name = "b",
                crate = "not a path"
            ),
        );
        assert_eq!(
            cx.messages(),
            [
                "unknown kind of table `events`; the kinds are `stored_events`, `snapshots` and `notification_tracking`",
                "the kind of table is already `stored_events`: one `#[entity]` module declares one table",
                "unknown option `table` of `#[entity]`; the options are the kind of table (`stored_events`, `snapshots` or `notification_tracking`), `table_name` and `crate`",
                "`table_name` takes a string, like `table_name = \"audit_events\"`",
                "duplicate option `table_name`",
                "`crate` takes the path of the eventsourcing-seaorm crate as a string, like `crate = \"::eventsourcing_seaorm\"`",
            ]
        );
        assert_eq!(options.kind.unwrap(), TableKind::StoredEvents);
        assert_eq!(options.table_name.unwrap().value(), "a");
    }

    #[test]
    fn missing_kind_and_name_are_reported_once() {
        let cx = Ctxt::new();
        EntityOptions::parse(&cx, quote!());
        assert_eq!(
            cx.messages(),
            [
                "`#[entity]` needs the kind of table and its name, like `#[entity(stored_events, table_name = \"audit_events\")]` (the kinds are `stored_events`, `snapshots` and `notification_tracking`)"
            ]
        );

        // A misspelled `table_name` is reported as unknown, not as missing too.
        let cx = Ctxt::new();
        EntityOptions::parse(&cx, quote!(snapshots, table = "audit_snapshots"));
        assert_eq!(cx.messages().len(), 1);

        // An unknown kind is reported as unknown, not as missing too.
        let cx = Ctxt::new();
        EntityOptions::parse(&cx, quote!(events, table_name = "audit_events"));
        assert_eq!(cx.messages().len(), 1);
    }
}
