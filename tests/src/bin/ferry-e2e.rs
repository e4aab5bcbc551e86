//! The `ferry` binary, built inside this package so end-to-end tests can
//! spawn it (`CARGO_BIN_EXE_ferry-e2e`) and kill it like a user would.
fn main() -> std::process::ExitCode {
    ferry::main()
}
