/**
 * False for a string holding an unpaired UTF-16 surrogate. JSON can spell one (`"\ud800"`) and
 * `JSON.parse` keeps it, but it is no text: `encodeURIComponent` throws on it (a URIError out of
 * a sync building a package URL) and it cannot be stored as UTF-8.
 */
export function isWellFormedText(text: string): boolean {
  return !UNPAIRED_SURROGATE.test(text);
}

const UNPAIRED_SURROGATE = /\p{Cs}/u;
