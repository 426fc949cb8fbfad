// One YAML scalar as homedock writes it, into the Compose file and into a config the
// users import edits: read back as the same value by any YAML 1.1 or 1.2 reader.

/** A string written plain only where no YAML 1.1 or 1.2 reader could take it for anything else. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/;
// Booleans and nulls of YAML 1.1, and anything a reader might take for a number ("e0").
const AMBIGUOUS = /^(y|n|yes|no|on|off|true|false|null)$|^[-+.0-9e_]*$/i;

/**
 * One scalar: plain when unambiguous, else double-quoted. A JSON string is a YAML
 * double-quoted scalar; the characters YAML may not hold raw are escaped as well.
 */
export function yamlScalar(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  if (PLAIN.test(value) && !AMBIGUOUS.test(value)) return value;
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
