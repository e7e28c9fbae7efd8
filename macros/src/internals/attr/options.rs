//! The options `#[aggregate(...)]` and `#[event(...)]` take.

use proc_macro2::{Ident, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, LitStr, Meta, Path, Token, Visibility};

use super::Versioning;
use super::values::{crate_path, event_enum, key_of, set, string, unknown, versioning, visibility};
use crate::internals::ctxt::Ctxt;

/// Options of `#[aggregate(...)]` on a struct.
#[derive(Default)]
pub struct StructOptions {
    /// `crate = "path"`: where the runtime crate is.
    pub krate: Option<Path>,
    /// `topic_module = "..."`: the module part of the topic.
    pub topic_module: Option<LitStr>,
    /// `name = "..."`: the class-name part of the topic.
    pub name: Option<LitStr>,
    /// `event = Ident`: the event enum.
    pub event: Option<Ident>,
    /// `version = N, upcast(...)`: the snapshot state's class version.
    pub versioning: Versioning,
}

/// Options of `#[aggregate(...)]` on a field of an aggregate struct, or of `#[transcode(...)]`
/// on a field of a type deriving `Transcode`.
#[derive(Default)]
pub struct FieldOptions {
    /// `rename = "..."`: the key in snapshot state.
    pub rename: Option<LitStr>,
    /// `skip`: left out of snapshots.
    pub skip: Option<Path>,
    /// `default`: a missing key reads as `Default::default()`, and a value written as `null`
    /// (`None`) is left out.
    pub default: Option<Path>,
}

/// Options of `#[aggregate(...)]` on an `impl` block.
#[derive(Default)]
pub struct ImplOptions {
    /// `crate = "path"`: where the runtime crate is.
    pub krate: Option<Path>,
    /// `event = Ident`: the event enum.
    pub event: Option<Ident>,
    /// `vis = "..."`: the event enum's visibility.
    pub vis: Option<Visibility>,
}

/// Options of `#[event(...)]` on a method.
#[derive(Default)]
pub struct EventOptions {
    /// `"Name"` or `name = "Name"`: the event's name.
    pub name: Option<LitStr>,
    /// `version = N, upcast(...)`: the event's class version.
    pub versioning: Versioning,
}

/// Options of `#[transcode(...)]` on a type deriving `Transcode`.
#[derive(Default)]
pub struct TranscodeOptions {
    /// `crate = "path"`: where the runtime crate is.
    pub krate: Option<Path>,
}

/// Options of `#[system(...)]` on a type deriving `SystemApplication`.
#[derive(Default)]
pub struct SystemOptions {
    /// `crate = "path"`: where the runtime crate is.
    pub krate: Option<Path>,
    /// `name = "..."`: the application's name.
    pub name: Option<LitStr>,
}

/// Options of `#[transcode(...)]` on a variant of an enum deriving `Transcode`.
#[derive(Default)]
pub struct VariantOptions {
    /// `rename = "..."`: the stored string.
    pub rename: Option<LitStr>,
}

const STRUCT_OPTIONS: &str = "`topic_module`, `name`, `event`, `version`, `upcast` and `crate`";
const IMPL_OPTIONS: &str = "`event`, `vis` and `crate`";
const FIELD_OPTIONS: &str = "`rename`, `skip` and `default`";
const EVENT_OPTIONS: &str = "`name`, `version` and `upcast`";

impl StructOptions {
    /// Parses the arguments of `#[aggregate(...)]` on a struct.
    pub fn parse(cx: &Ctxt, args: TokenStream) -> Self {
        let mut options = StructOptions::default();
        let parser = syn::meta::parser(|meta| {
            let key = key_of(&meta);
            match key.as_str() {
                "topic_module" => set(
                    cx,
                    &meta,
                    &mut options.topic_module,
                    string(cx, &meta, "topic_module = \"interop_domain\"")?,
                ),
                "name" => set(
                    cx,
                    &meta,
                    &mut options.name,
                    string(cx, &meta, "name = \"World\"")?,
                ),
                "event" => set(cx, &meta, &mut options.event, event_enum(cx, &meta)?),
                "crate" => set(cx, &meta, &mut options.krate, crate_path(cx, &meta)?),
                "version" | "upcast" => versioning(cx, &meta, &mut options.versioning)?,
                _ => unknown(cx, &meta, "`#[aggregate]` on a struct", STRUCT_OPTIONS)?,
            }
            Ok(())
        });
        if let Err(error) = parser.parse2(args) {
            cx.syn_error(error);
        }
        options
    }
}

impl ImplOptions {
    /// Parses the arguments of `#[aggregate(...)]` on an `impl` block.
    pub fn parse(cx: &Ctxt, args: TokenStream) -> Self {
        let mut options = ImplOptions::default();
        let parser = syn::meta::parser(|meta| {
            match key_of(&meta).as_str() {
                "event" => set(cx, &meta, &mut options.event, event_enum(cx, &meta)?),
                "vis" => set(cx, &meta, &mut options.vis, visibility(cx, &meta)?),
                "crate" => set(cx, &meta, &mut options.krate, crate_path(cx, &meta)?),
                _ => unknown(cx, &meta, "`#[aggregate]` on an impl block", IMPL_OPTIONS)?,
            }
            Ok(())
        });
        if let Err(error) = parser.parse2(args) {
            cx.syn_error(error);
        }
        options
    }
}

impl FieldOptions {
    /// Parses one `#[aggregate(...)]` (or `#[transcode(...)]`: `attr_name`) attribute of a
    /// field into `self`.
    pub fn parse_attr(&mut self, cx: &Ctxt, attr: &Attribute, attr_name: &str) {
        let result = attr.parse_nested_meta(|meta| {
            match key_of(&meta).as_str() {
                "rename" => set(
                    cx,
                    &meta,
                    &mut self.rename,
                    string(cx, &meta, "rename = \"python_name\"")?,
                ),
                "skip" => set(cx, &meta, &mut self.skip, Some(meta.path.clone())),
                "default" => set(cx, &meta, &mut self.default, Some(meta.path.clone())),
                _ => unknown(
                    cx,
                    &meta,
                    &format!("`#[{attr_name}]` on a field"),
                    FIELD_OPTIONS,
                )?,
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
}

impl TranscodeOptions {
    /// Parses the `#[transcode(...)]` attributes of a type deriving `Transcode`.
    pub fn parse_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut options = TranscodeOptions::default();
        for attr in attrs
            .iter()
            .filter(|attr| attr.path().is_ident("transcode"))
        {
            let result = attr.parse_nested_meta(|meta| {
                match key_of(&meta).as_str() {
                    "crate" => set(cx, &meta, &mut options.krate, crate_path(cx, &meta)?),
                    _ => unknown(cx, &meta, "`#[transcode]` on a type", "`crate`")?,
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        options
    }
}

impl SystemOptions {
    /// Parses the `#[system(...)]` attributes of a type deriving `SystemApplication`.
    pub fn parse_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut options = SystemOptions::default();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident("system")) {
            let result = attr.parse_nested_meta(|meta| {
                match key_of(&meta).as_str() {
                    "crate" => set(cx, &meta, &mut options.krate, crate_path(cx, &meta)?),
                    "name" => set(
                        cx,
                        &meta,
                        &mut options.name,
                        string(cx, &meta, "name = \"Worlds\"")?,
                    ),
                    _ => unknown(cx, &meta, "`#[system]`", "`name` and `crate`")?,
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        options
    }
}

impl VariantOptions {
    /// Parses the `#[transcode(...)]` attributes of an enum variant.
    pub fn parse_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut options = VariantOptions::default();
        for attr in attrs
            .iter()
            .filter(|attr| attr.path().is_ident("transcode"))
        {
            let result = attr.parse_nested_meta(|meta| {
                match key_of(&meta).as_str() {
                    "rename" => set(
                        cx,
                        &meta,
                        &mut options.rename,
                        string(cx, &meta, "rename = \"stored_name\"")?,
                    ),
                    _ => unknown(cx, &meta, "`#[transcode]` on a variant", "`rename`")?,
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        options
    }
}

impl EventOptions {
    /// Parses an `#[event]`, `#[event("Name")]` or `#[event(name = "Name", version = N,
    /// upcast(...))]` attribute.
    pub fn parse_attr(cx: &Ctxt, attr: &Attribute) -> Self {
        let mut options = EventOptions::default();
        match &attr.meta {
            Meta::Path(_) => {}
            Meta::NameValue(name_value) => cx.error_spanned_by(
                name_value,
                "write `#[event(\"Name\")]` to name an event, or `#[event]` to use the default name",
            ),
            Meta::List(_) => {
                if let Err(error) = attr.parse_args_with(|input: ParseStream| options.parse_args(cx, input)) {
                    cx.syn_error(error);
                }
            }
        }
        options
    }

    fn parse_args(&mut self, cx: &Ctxt, input: ParseStream) -> syn::Result<()> {
        if input.peek(LitStr) {
            self.name = Some(input.parse()?);
            if input.is_empty() {
                return Ok(());
            }
            input.parse::<Token![,]>()?;
        }
        let rest: TokenStream = input.parse()?;
        syn::meta::parser(|meta| {
            match key_of(&meta).as_str() {
                "name" => set(
                    cx,
                    &meta,
                    &mut self.name,
                    string(cx, &meta, "name = \"SomethingHappened\"")?,
                ),
                "version" | "upcast" => versioning(cx, &meta, &mut self.versioning)?,
                _ => unknown(cx, &meta, "`#[event]`", EVENT_OPTIONS)?,
            }
            Ok(())
        })
        .parse2(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{ToTokens, quote};

    #[test]
    fn struct_options_are_read() {
        let cx = Ctxt::new();
        let options = StructOptions::parse(
            &cx,
            quote!(
                topic_module = "interop_domain",
                name = "World",
                event = Events,
                version = 3,
                upcast(a, b::c),
                crate = "::es"
            ),
        );
        assert!(cx.messages().is_empty());
        assert_eq!(options.topic_module.unwrap().value(), "interop_domain");
        assert_eq!(options.name.unwrap().value(), "World");
        assert_eq!(options.event.unwrap(), "Events");
        assert_eq!(options.versioning.current(), 3);
        assert_eq!(options.versioning.upcasters().len(), 2);
        assert_eq!(
            options.krate.unwrap().to_token_stream().to_string(),
            ":: es"
        );
    }

    #[test]
    fn all_bad_options_are_reported() {
        let cx = Ctxt::new();
        let options = StructOptions::parse(
            &cx,
            quote!(
                colour = "red",
                name = 5,
                version = "two",
                name = "A",
                name = "B"
            ),
        );
        assert_eq!(
            cx.messages(),
            [
                "unknown option `colour` of `#[aggregate]` on a struct; the options are `topic_module`, `name`, `event`, `version`, `upcast` and `crate`",
                "`name` takes a string, like `name = \"World\"`",
                "`version` takes a whole number, like `version = 2`",
                "duplicate option `name`",
            ]
        );
        assert_eq!(options.name.unwrap().value(), "A");
    }

    #[test]
    fn event_attributes_take_a_name_first() {
        let attr: Attribute = syn::parse_quote!(#[event("Registered", version = 2, upcast(v1))]);
        let cx = Ctxt::new();
        let options = EventOptions::parse_attr(&cx, &attr);
        assert!(cx.messages().is_empty());
        assert_eq!(options.name.unwrap().value(), "Registered");
        assert_eq!(options.versioning.current(), 2);

        let attr: Attribute = syn::parse_quote!(#[event]);
        let cx = Ctxt::new();
        let options = EventOptions::parse_attr(&cx, &attr);
        assert!(cx.messages().is_empty());
        assert!(options.name.is_none());
        assert_eq!(options.versioning.current(), 1);
    }

    #[test]
    fn impl_options_read_visibility() {
        let cx = Ctxt::new();
        let options = ImplOptions::parse(&cx, quote!(vis = "pub(crate)", event = "Events"));
        assert!(cx.messages().is_empty());
        assert_eq!(options.vis.to_token_stream().to_string(), "pub (crate)");
        assert_eq!(options.event.unwrap(), "Events");
    }
}
