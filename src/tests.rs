//! Core tests that run natively and as wasm32 under Node.
