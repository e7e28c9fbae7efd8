//! A module under `#[entity]`: the kind and name of the table whose SeaORM entity it gets, and
//! the items written in it, which pass through.

use quote::quote;
use syn::{Item, ItemMod, LitStr, Path};

use super::default_crate;
use crate::internals::attr::{EntityOptions, TableKind};
use crate::internals::ctxt::Ctxt;

/// A module under `#[entity]`.
pub struct EntityModule {
    /// The module as written; its content is replaced on output.
    pub item: ItemMod,
    /// The items written in the module.
    pub items: Vec<Item>,
    /// Path of the runtime crate.
    pub krate: Path,
    /// The kind of table.
    pub kind: TableKind,
    /// The table's name.
    pub table_name: LitStr,
}

impl EntityModule {
    /// Reads a module and its options; `None` when no entity can be generated because the kind
    /// of table is missing (already reported).
    ///
    /// A module in another file is reported here. It, and a missing table name, are set aside:
    /// the entity is still generated (into an inline module, on the default table of its kind),
    /// so that the code using it raises no further errors.
    pub fn from_item(cx: &Ctxt, options: EntityOptions, item: ItemMod) -> Option<Self> {
        let items = match &item.content {
            Some((_, items)) => items.clone(),
            None => {
                let (mod_token, ident, semi) = (&item.mod_token, &item.ident, &item.semi);
                cx.error_spanned_by(
                    quote!(#mod_token #ident #semi),
                    format!(
                        "`#[entity]` fills an inline module with the entity: write `mod {ident} {{}}` here, not a module in another file"
                    ),
                );
                Vec::new()
            }
        };
        let kind = options.kind?;
        let table_name = options
            .table_name
            .unwrap_or_else(|| LitStr::new(kind.keyword(), item.ident.span()));
        Some(EntityModule {
            kind,
            table_name,
            krate: options.krate.unwrap_or_else(default_crate),
            items,
            item,
        })
    }
}
