#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    wsync::host::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
