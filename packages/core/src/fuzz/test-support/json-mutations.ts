import fc from "fast-check";

/**
 * Structured mutations of JSON documents: byte damage mostly yields text that is not JSON at
 * all, which parsers reject at `JSON.parse`; these keep the document valid JSON and put a value
 * of the wrong type or shape (or a hostile one) where a field was, so the checks behind the
 * parse get exercised.
 */
export type JsonEdit =
  | { readonly op: "replace"; readonly at: number; readonly value: HostileValue }
  | { readonly op: "delete"; readonly at: number }
  | { readonly op: "wrap"; readonly at: number; readonly inArray: boolean }
  | { readonly op: "copy"; readonly at: number; readonly to: number };

/** A value to put in, described so a failing input prints short. */
export type HostileValue =
  | { readonly json: unknown }
  | { readonly deep: number; readonly inArray: boolean }
  | { readonly long: number }
  | { readonly many: number };

const SPECIAL_VALUES: readonly unknown[] = [
  null,
  "",
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 2,
  true,
  [],
  {},
  [null],
  { "": "" },
  "__proto__",
  "constructor",
  "../../etc/passwd",
  "\u0000",
  "\ud800",
  "0",
  "1e309",
  "NaN",
  "-",
  "*",
  "=",
  ">=",
  "<1.0,>=2.0",
  "sha256:",
  "2024-13-45T99:99:99Z",
];

const hostileValue: fc.Arbitrary<HostileValue> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ json: fc.constantFrom(...SPECIAL_VALUES) }) },
  { weight: 3, arbitrary: fc.record({ json: fc.jsonValue({ maxDepth: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ deep: fc.integer({ min: 100, max: 20_000 }), inArray: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ long: fc.integer({ min: 1_000, max: 2_000_000 }) }) },
  { weight: 1, arbitrary: fc.record({ many: fc.integer({ min: 100, max: 50_000 }) }) },
);

const edit: fc.Arbitrary<JsonEdit> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: hostileValue }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("wrap" as const), at: fc.nat(), inArray: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("copy" as const), at: fc.nat(), to: fc.nat() }) },
);

/** One to three edits. */
export const jsonEdits: fc.Arbitrary<readonly JsonEdit[]> = fc.array(edit, { minLength: 1, maxLength: 3 });

/**
 * Apply edits to a copy of `document` (anything `JSON.parse` returned) and write it as JSON
 * text. Deeply nested values are written as text: `JSON.stringify` itself would overflow the
 * stack on them, and what is fuzzed is the parser's handling of the depth, not this helper's.
 */
export function applyJsonEdits(document: unknown, edits: readonly JsonEdit[]): string {
  const deep = new Map<string, string>();
  let root: unknown = structuredClone(document);
  for (const e of edits) {
    const slots = collectSlots(root);
    const slot = slots[e.at % slots.length]!;
    const current = slot.get();
    switch (e.op) {
      case "replace":
        root = slot.set(hostile(e.value, deep), root);
        break;
      case "delete":
        root = slot.remove(root);
        break;
      case "wrap":
        root = slot.set(e.inArray ? [current] : { value: current }, root);
        break;
      case "copy": {
        const target = slots[e.to % slots.length]!;
        root = target.set(structuredClone(current), root);
        break;
      }
    }
  }
  let text = JSON.stringify(root) ?? "null";
  for (const [marker, nested] of deep) text = text.replace(JSON.stringify(marker), nested);
  return text;
}

function hostile(value: HostileValue, deep: Map<string, string>): unknown {
  if ("json" in value) return structuredClone(value.json);
  if ("long" in value) return "x".repeat(value.long);
  if ("many" in value) return Array.from({ length: value.many }, (_, i) => ({ name: `n${i}`, version: "1" }));
  const marker = `\u0000fuzz-deep-${deep.size}`;
  const [open, close] = value.inArray ? ["[", "]"] : ['{"a":', "}"];
  deep.set(marker, `${open.repeat(value.deep)}"bottom"${close.repeat(value.deep)}`);
  return marker;
}

/** A place in the document: the root itself, an object member or an array element. */
interface Slot {
  get(): unknown;
  /** Returns the (possibly new) root. */
  set(value: unknown, root: unknown): unknown;
  remove(root: unknown): unknown;
}

/** Every slot, depth first, in document order: a deterministic numbering for `at`. */
function collectSlots(root: unknown): Slot[] {
  const slots: Slot[] = [{ get: () => root, set: (value) => value, remove: () => null }];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      node.forEach((child, index) => {
        slots.push({
          get: () => node[index],
          set: (value, r) => {
            node[index] = value;
            return r;
          },
          remove: (r) => {
            node.splice(index, 1);
            return r;
          },
        });
        stack.push(child);
      });
    } else if (node !== null && typeof node === "object") {
      const object = node as Record<string, unknown>;
      for (const key of Object.keys(object)) {
        slots.push({
          get: () => object[key],
          set: (value, r) => {
            object[key] = value;
            return r;
          },
          remove: (r) => {
            delete object[key];
            return r;
          },
        });
        stack.push(object[key]);
      }
    }
  }
  return slots;
}
