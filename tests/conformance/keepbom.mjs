// keepbom.mjs: imported first by check.mjs, before any reader. The readers'
// JavaScript layers (DuckDB's node-api, apache-arrow, hyparquet) turn UTF-8
// bytes into strings with `new TextDecoder()`, which by the WHATWG Encoding
// standard drops a leading U+FEFF (byte order mark) from every decoded
// value. A string value that starts with U+FEFF is data, not a BOM, so the
// check would blame the file for the binding's decoding. This makes every
// TextDecoder created afterwards keep it (ignoreBOM), nothing else changes.
const Base = globalThis.TextDecoder;
globalThis.TextDecoder = class extends Base {
    constructor(label = 'utf-8', options = {}) {
        super(label, { ...options, ignoreBOM: true });
    }
};
