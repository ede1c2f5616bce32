/**
 * A value read from hostile input, as an issue or error message shows it. `JSON.stringify`
 * of such a value is unbounded: a field nested a few thousand levels deep overflows the stack
 * (a `RangeError` that escapes the parser), and a long one fills the message. Strings are
 * quoted and cut at 80 characters; arrays and objects are only named.
 */
export function quoteValue(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > MAX_CHARS ? `${value.slice(0, MAX_CHARS)}…` : value);
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}

const MAX_CHARS = 80;
