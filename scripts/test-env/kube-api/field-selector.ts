import type { KubeObject } from "./kube-object.js";

/** One `field=value` or `field!=value` term of a field selector. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: "=" | "!=";
  readonly value: string;
}

/** A parsed `fieldSelector`: every term must hold. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  /** The value when the selector requires `field` to equal exactly one value (`RequiresExactMatch`). */
  exactMatch(field: string): string | undefined;
  matches(object: KubeObject): boolean;
}

/** A `fieldSelector` the API server would reject (answered with 400 BadRequest). */
export class FieldSelectorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FieldSelectorError";
  }
}

/** Splits on unescaped `,` and unescapes `\,` `\=` `\\` the way apimachinery's fields.ParseSelector does. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let current = "";
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i] as string;
    if (ch === "\\" && i + 1 < selector.length) {
      current += ch + selector[i + 1];
      i++;
    } else if (ch === ",") {
      terms.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms;
}

function unescapeTerm(text: string): string {
  return text.replace(/\\(.)/g, "$1");
}

/** The index of the first unescaped occurrence of `needle` in `term`, or -1. */
function findOperator(term: string, needle: string): number {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === "\\") {
      i++;
      continue;
    }
    if (term.startsWith(needle, i)) return i;
  }
  return -1;
}

/** The string a field label compares against: nested lookup by dotted path, scalars stringified. */
function fieldValue(object: KubeObject, field: string): string {
  if (field === "metadata.namespace") return object.metadata.namespace ?? "";
  let value: unknown = object;
  for (const part of field.split(".")) {
    if (value === null || typeof value !== "object") return "";
    value = (value as Record<string, unknown>)[part];
  }
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * Parses a field selector (`metadata.name=x,status.phase!=Running`) against the field labels the
 * resource supports.
 * @throws FieldSelectorError for bad syntax or a field label the resource does not support
 */
export function parseFieldSelector(selector: string, supported: readonly string[]): FieldSelector {
  const requirements: FieldRequirement[] = [];
  if (selector.trim() !== "") {
    for (const term of splitTerms(selector)) {
      let requirement: FieldRequirement | undefined;
      for (const op of ["!=", "==", "="] as const) {
        const at = findOperator(term, op);
        if (at < 0) continue;
        requirement = {
          field: unescapeTerm(term.slice(0, at)).trim(),
          operator: op === "!=" ? "!=" : "=",
          value: unescapeTerm(term.slice(at + op.length)),
        };
        break;
      }
      if (!requirement)
        throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
      if (!supported.includes(requirement.field)) {
        throw new FieldSelectorError(`field label not supported: ${requirement.field}`);
      }
      requirements.push(requirement);
    }
  }
  return {
    requirements,
    exactMatch(field) {
      const equal = requirements.filter((r) => r.field === field && r.operator === "=");
      return equal.length === 1 ? equal[0]?.value : undefined;
    },
    matches: (object) =>
      requirements.every((r) => (fieldValue(object, r.field) === r.value) === (r.operator === "=")),
  };
}
