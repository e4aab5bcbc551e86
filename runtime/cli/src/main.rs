fn main() -> std::process::ExitCode {
    ferry::main()
}
