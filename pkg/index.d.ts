export * from "./wasm/wsync.js";

/**
 * Loads the wasm core (browsers and bundlers fetch `wsync_bg.wasm` next to
 * the package's entry, or from `source`); resolves once the classes can be
 * used. In Node the core is loaded on import and this resolves at once.
 */
export function ready(source?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
