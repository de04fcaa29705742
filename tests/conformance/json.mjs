// json.mjs: an exact JSON parser for check.mjs — integers (no fraction, no
// exponent) become BigInt so values beyond 2^53 are never rounded through a
// double; other numbers become Numbers (correctly rounded); strings are
// decoded code unit for code unit (lone surrogates in \u escapes kept as
// they are). Plus a strict structural comparison of two parsed values.

export function parseJson(text) {
    let i = 0;
    const fail = (msg) => { throw new SyntaxError(`${msg} at byte ${i}`); };
    const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
    function value() {
        ws();
        const c = text[i];
        if (c === '{') {
            i++;
            const o = {};
            ws();
            if (text[i] === '}') { i++; return o; }
            for (;;) {
                ws();
                if (text[i] !== '"') fail('expected a member name');
                const k = string();
                ws();
                if (text[i++] !== ':') fail("expected ':'");
                Object.defineProperty(o, k, { value: value(), enumerable: true, writable: true, configurable: true });
                ws();
                if (text[i] === ',') { i++; continue; }
                if (text[i] === '}') { i++; return o; }
                fail("expected ',' or '}'");
            }
        }
        if (c === '[') {
            i++;
            const a = [];
            ws();
            if (text[i] === ']') { i++; return a; }
            for (;;) {
                a.push(value());
                ws();
                if (text[i] === ',') { i++; continue; }
                if (text[i] === ']') { i++; return a; }
                fail("expected ',' or ']'");
            }
        }
        if (c === '"') return string();
        if (text.startsWith('true', i)) { i += 4; return true; }
        if (text.startsWith('false', i)) { i += 5; return false; }
        if (text.startsWith('null', i)) { i += 4; return null; }
        const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 1100));
        if (!m) fail('unexpected character');
        i += m[0].length;
        return m[2] || m[3] ? Number(m[0]) : BigInt(m[0]);
    }
    function string() {
        i++;
        let out = '';
        for (;;) {
            const j = i;
            while (i < text.length && text[i] !== '"' && text[i] !== '\\') i++;
            out += text.slice(j, i);
            if (i >= text.length) fail('unterminated string');
            if (text[i] === '"') { i++; return out; }
            const e = text[i + 1];
            i += 2;
            if (e === 'u') {
                const h = text.slice(i, i + 4);
                if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('bad \\u escape');
                out += String.fromCharCode(parseInt(h, 16));
                i += 4;
            } else {
                const map = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
                if (!(e in map)) fail('bad escape');
                out += map[e];
            }
        }
    }
    const v = value();
    ws();
    if (i !== text.length) fail('trailing text');
    return v;
}

/* Strict equality of two parsed JSON values (numbers by value: an integer
 * and a double are equal when the double is exactly that integer). Returns
 * null, or {path, exp, act} for the first difference. */
export function compareJson(exp, act, path = '') {
    const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array'
        : typeof v === 'bigint' ? 'number' : typeof v);
    if (kind(exp) !== kind(act)) return { path, exp, act };
    if (Array.isArray(exp)) {
        if (exp.length !== act.length) return { path, exp: `${exp.length} elements`, act: `${act.length} elements` };
        for (let k = 0; k < exp.length; k++) {
            const d = compareJson(exp[k], act[k], `${path}[${k}]`);
            if (d) return d;
        }
        return null;
    }
    if (exp !== null && typeof exp === 'object') {
        const ek = Object.keys(exp), ak = Object.keys(act);
        if (ek.join('\0') !== ak.join('\0')) return { path, exp: ek, act: ak };
        for (const k of ek) {
            const d = compareJson(exp[k], act[k], `${path}.${k}`);
            if (d) return d;
        }
        return null;
    }
    if (kind(exp) === 'number') {
        const same = typeof exp === typeof act ? exp === act || Object.is(exp, act)
            : typeof exp === 'bigint' ? Number.isInteger(act) && BigInt(act) === exp && !Object.is(act, -0)
                : Number.isInteger(exp) && BigInt(exp) === act;
        return same ? null : { path, exp, act };
    }
    return exp === act ? null : { path, exp, act };
}
