//! Says at build time which SQL backends the tests will skip, so that a plain `cargo test`
//! shows it even though the output of passing tests is hidden. Only with the
//! `skipped-backends-notice` feature (a default one), which the bench leaves off.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_SKIPPED_BACKENDS_NOTICE").is_none() {
        return;
    }
    for (var, backend) in [
        ("TEST_POSTGRES_URL", "PostgreSQL"),
        ("TEST_MYSQL_URL", "MySQL/MariaDB"),
    ] {
        println!("cargo:rerun-if-env-changed={var}");
        if std::env::var_os(var).is_none_or(|v| v.is_empty()) {
            println!(
                "cargo:warning={var} is not set: the {backend} tests will be skipped (set it, as .ci/run does, to run them)"
            );
        }
    }
}
