//! The module of an `#[entity]` as output: as written, filled with the SeaORM entity of its
//! table (`Model` with `DeriveEntityModel`, which derives `Entity`, `Column`, `PrimaryKey` and
//! `ActiveModel` from it, an empty `Relation` and `ActiveModelBehavior`), before the items
//! written in it.
//!
//! The columns are those of Django's migration `eventsourcing_django 0001_initial`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::ast::EntityModule;
use crate::internals::attr::TableKind;

/// The module with its entity.
pub fn generate(model: &EntityModule) -> TokenStream {
    let krate = &model.krate;
    let syn::ItemMod {
        attrs,
        vis,
        mod_token,
        ident,
        ..
    } = &model.item;
    let (outer, inner): (Vec<_>, Vec<_>) = attrs
        .iter()
        .partition(|attr| matches!(attr.style, syn::AttrStyle::Outer));
    let items = &model.items;
    let row = row(model);
    quote! {
        #(#outer)*
        #vis #mod_token #ident {
            #(#inner)*

            // What SeaORM's derives expect in scope, in the module itself because that is where
            // they generate `Entity`, `Column` and the rest: `sea_orm::...`, which this makes
            // resolve in crates that reach SeaORM only through the runtime crate, and the names
            // of SeaORM's entity prelude (a glob import, which items written in the module
            // shadow).
            use #krate::__private::sea_orm;
            use #krate::__private::sea_orm::entity::prelude::*;

            #row

            /// No relations.
            #[derive(
                ::core::marker::Copy,
                ::core::clone::Clone,
                ::core::fmt::Debug,
                sea_orm::EnumIter,
                sea_orm::DeriveRelation,
            )]
            pub enum Relation {}

            impl sea_orm::ActiveModelBehavior for ActiveModel {}

            #(#items)*
        }
    }
}

/// `Model`, the row of the table.
fn row(model: &EntityModule) -> TokenStream {
    let table_name = &model.table_name;
    let derives = quote! {
        #[derive(
            ::core::clone::Clone,
            ::core::fmt::Debug,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            sea_orm::DeriveEntityModel,
        )]
        #[sea_orm(table_name = #table_name)]
    };
    match model.kind {
        TableKind::StoredEvents => record_row(model, &derives, quote!(id)),
        TableKind::Snapshots => record_row(model, &derives, quote!(uid)),
        TableKind::NotificationTracking => tracking_row(&derives),
    }
}

/// The row of a stored-events or snapshots table, whose primary key is `key`.
///
/// The field types are written as SeaORM's derive expects to see them (`String`, `Vec<u8>`, a
/// single name), since it picks each column's typed wrapper (`StringColumn`, `BytesColumn`) by
/// the type's name; `OriginatorId`, which has no such wrapper, is named by its path.
fn record_row(model: &EntityModule, derives: &TokenStream, key: TokenStream) -> TokenStream {
    let krate = &model.krate;
    quote! {
        /// A row: one stored event (or snapshot).
        #derives
        pub struct Model {
            /// The primary key (for stored events: the notification id).
            #[sea_orm(primary_key)]
            pub #key: i64,
            /// The application the row belongs to.
            pub application_name: String,
            /// The aggregate's id.
            pub originator_id: #krate::seaorm::entity::OriginatorId,
            /// The aggregate version the event creates.
            pub originator_version: i64,
            /// The topic of the event class.
            #[sea_orm(column_type = "Text")]
            pub topic: String,
            /// The stored state (JSON, maybe compressed and encrypted).
            #[sea_orm(column_type = "VarBinary(sea_orm::sea_query::StringLen::None)")]
            pub state: Vec<u8>,
        }
    }
}

/// The row of a notification-tracking table.
fn tracking_row(derives: &TokenStream) -> TokenStream {
    quote! {
        /// A row: a follower's position in an upstream application's log.
        #derives
        pub struct Model {
            /// The primary key.
            #[sea_orm(primary_key)]
            pub uid: i64,
            /// The follower.
            pub application_name: String,
            /// The upstream application.
            pub upstream_application_name: String,
            /// The upstream notification id processed.
            pub notification_id: i64,
        }
    }
}
