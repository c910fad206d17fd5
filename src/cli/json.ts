/**
 * The CLI's JSON documents: one casing (snake_case keys, units as suffixes such as `_J`, `_mhz`,
 * `_s`) and a `schema` naming the command and the document's version. The library's objects keep
 * TypeScript's camelCase; the conversion happens here, once, on the way out. Documents that are
 * input formats in their own right (`arch --print`, which `--arch FILE` reads back) keep theirs.
 */
export const JSON_SCHEMA_VERSION = 1;

/**
 * camelCase -> snake_case. Only identifiers that start lower-case and have a hump are converted:
 * snake_case keys with unit suffixes (`per_decoded_token_J`) and data used as keys (cell types
 * such as `MULT18X18D`, layer names) stay as they are.
 */
export function snakeKey(k: string): string {
  if (!/^[a-z][a-zA-Z0-9]*$/.test(k) || !/[a-z0-9][A-Z]/.test(k)) return k;
  return k.replace(/([a-z0-9])([A-Z]+)/g, '$1_$2').toLowerCase();
}

export function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [snakeKey(k), snakeKeys(x)]));
  }
  return v;
}

/** The document a command prints under --json. */
export function jsonDocument(command: string, body: unknown, keepCasing = false): Record<string, unknown> {
  const b = keepCasing ? body : snakeKeys(body);
  const fields = b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : { result: b };
  return { schema: `bitnet-hw/${command}/${JSON_SCHEMA_VERSION}`, ...fields };
}
