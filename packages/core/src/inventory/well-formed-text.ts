/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` with every lone surrogate replaced by U+FFFD, as `String.prototype.toWellFormed` does.
 * JSON may escape one (`"\ud800"`), and whatever percent-encodes the text (a package URL, an
 * `encodeURIComponent`) throws a URIError on it: a name or version read from an image or a
 * report must not stop the report.
 */
export function wellFormedText(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}
