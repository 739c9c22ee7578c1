//! `otel-wasi-guest-componentize MODULE OUTPUT`: makes a component of a
//! wasm32-wasip1 command module with wit-component, adapting its
//! `wasi_snapshot_preview1` imports with wasmtime 48.0.8's command adapter
//! (so the component exports `wasi:cli/run` and imports wasi 0.2). The
//! module's own imports (wasi:otel) come from the world wit-bindgen embedded
//! in it. Writes OUTPUT only when its content changes.

use std::process::ExitCode;

use wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER;

fn componentize(module: &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut encoder = wit_component::ComponentEncoder::default()
        .module(module)?
        .adapter(
            "wasi_snapshot_preview1",
            WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
        )?
        .validate(true);
    Ok(encoder.encode()?)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, module, output] = args.as_slice() else {
        eprintln!("usage: otel-wasi-guest-componentize MODULE OUTPUT");
        return ExitCode::from(2);
    };
    let result = std::fs::read(module)
        .map_err(|e| format!("reading {module}: {e}"))
        .and_then(|m| componentize(&m).map_err(|e| format!("componentizing {module}: {e:#}")))
        .and_then(|component| {
            if std::fs::read(output).ok().as_ref() == Some(&component) {
                return Ok(());
            }
            std::fs::write(output, &component).map_err(|e| format!("writing {output}: {e}"))
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("otel-wasi-guest-componentize: {e}");
            ExitCode::FAILURE
        }
    }
}
