import { ZipFormatError } from "./zip-errors.js";

/** Code page 437's upper half (0x80..0xFF), the encoding APPNOTE gives names without the UTF-8 flag. */
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐" +
  "└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

function decodeCp437(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  }
  return out;
}

/** Decodes bytes as UTF-8, or returns undefined when they are not valid UTF-8. */
export function tryDecodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes an entry name. With general-purpose flag bit 11 the name must be UTF-8
 * (APPNOTE 4.4.4, appendix D). Without it APPNOTE says CP437, but Java, Go and Info-ZIP on
 * Unix write UTF-8 without the flag, and the JVM reads jar names as UTF-8 whatever the flag
 * says; so bytes that are valid UTF-8 are read as UTF-8. Otherwise an Info-ZIP Unicode Path
 * extra field (0x7075) whose CRC matches the raw name gives the name, and failing that CP437.
 * (The extra field never overrides a valid UTF-8 name: the JVM ignores it, and a second
 * name that only some readers see is a way to hide a file.)
 */
export function decodeEntryName(
  raw: Uint8Array,
  utf8Flag: boolean,
  unicodePath: string | undefined,
  offset: number,
): string {
  if (isAscii(raw)) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1");
  if (utf8Flag) {
    const name = tryDecodeUtf8(raw);
    if (name === undefined) {
      throw new ZipFormatError("bad-name", "the name is flagged UTF-8 but is not valid UTF-8", { offset });
    }
    return name;
  }
  return tryDecodeUtf8(raw) ?? unicodePath ?? decodeCp437(raw);
}
