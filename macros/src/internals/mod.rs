//! Reading the macros' input: attributes parsed into typed options ([`attr`]), a model of the
//! annotated struct, `impl` block or module ([`ast`]), checks across them ([`check`]), with every
//! error collected in one context ([`ctxt`]). Nothing here generates code.

pub mod ast;
pub mod attr;
pub mod check;
pub mod ctxt;
pub mod name;
pub mod source;
