//! Compile-fail tests: each misuse of `#[aggregate]`, `#[event]` and `#[entity]` is an error at
//! the offending tokens, saying what to write instead. The expected messages and spans are in
//! `tests/ui/`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
