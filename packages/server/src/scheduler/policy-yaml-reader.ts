import {
  type Alias,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
  type YAMLMap,
} from "yaml";
import type { PolicyIssue, PolicyIssueSeverity } from "./policy-issue.js";

/** A YAML node as the reader hands it out: aliases followed, `null` for an empty value. */
export type ValueNode = Node | null;

/** One key of a mapping: its key node (for locating), its value and the value's path. */
export interface Field {
  readonly name: string;
  readonly key: Node;
  readonly value: ValueNode;
  readonly path: string;
}

/**
 * What a mapping may hold: Vigil's own keys, and keys GitLab documents that mean nothing to a
 * cluster scan (accepted so that GitLab's files load, each reported once as a warning saying why).
 */
export interface MappingSchema {
  /** Used in messages: `policy`, `rule`, `action`, `agent`. */
  readonly what: string;
  readonly fields: readonly string[];
  readonly gitlabOnly?: Readonly<Record<string, string>>;
}

/**
 * Walks a parsed YAML document and records located issues. It never throws on content: every
 * read returns `undefined` after recording why.
 */
export class PolicyYamlReader {
  readonly issues: PolicyIssue[] = [];

  constructor(
    private readonly source: string,
    /** The document text, to look at how a scalar was written. */
    readonly text: string,
    private readonly lines: LineCounter,
    private readonly resolveAlias: (alias: Alias) => Node | undefined,
  ) {}

  /** Errors recorded so far; a caller compares counts to know whether a part was clean. */
  get errorCount(): number {
    return this.issues.filter((i) => i.severity === "error").length;
  }

  /** Record an issue at a node (or at an offset when there is no node to point at). */
  report(
    severity: PolicyIssueSeverity,
    code: string,
    at: Node | number | null | undefined,
    path: string,
    reason: string,
  ): void {
    const { line, column } = this.position(at);
    this.issues.push({ severity, code, source: this.source, line, column, path, reason });
  }

  /** 1-based line and column of a node or offset (the document start when there is neither). */
  position(at: Node | number | null | undefined): { line: number; column: number } {
    const offset = typeof at === "number" ? at : (at?.range?.[0] ?? 0);
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Follow an alias to the node it names; an unknown alias is recorded and read as empty. */
  deref(node: ValueNode | undefined, path: string): ValueNode {
    if (node === undefined || node === null) return null;
    if (!isAlias(node)) return node;
    const target = this.resolveAlias(node);
    if (target === undefined) {
      this.report("error", "yaml-alias", node, path, `the alias '*${node.source}' names no anchor`);
      return null;
    }
    return target;
  }

  /** The value of `key` in a mapping without reading the rest (to decide how to read it). */
  peek(map: YAMLMap, key: string): ValueNode {
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    const value = (pair?.value ?? null) as ValueNode;
    // Silent: the full read reports a bad alias, with its path.
    return value !== null && isAlias(value) ? (this.resolveAlias(value) ?? null) : value;
  }

  /** Whether a mapping has `key`, whatever its value. */
  has(map: YAMLMap, key: string): boolean {
    return map.items.some((p) => isScalar(p.key) && p.key.value === key);
  }

  /**
   * The known fields of a mapping. Unknown keys are errors (with a suggestion when one is close),
   * GitLab-only keys are warnings; neither is returned.
   */
  fields(node: ValueNode, path: string, schema: MappingSchema, at?: Node): Map<string, Field> | undefined {
    if (!isMap(node)) {
      this.report("error", "wrong-type", node ?? at, path, `a ${schema.what} is a mapping of fields`);
      return undefined;
    }
    const fields = new Map<string, Field>();
    for (const pair of node.items as Pair<Node, Node | null>[]) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value !== "string") {
        this.report("error", "wrong-type", key, path, `a ${schema.what}'s field names are strings`);
        continue;
      }
      const name = key.value;
      const fieldPath = childPath(path, name);
      if (schema.fields.includes(name)) {
        fields.set(name, { name, key, value: this.deref(pair.value, fieldPath), path: fieldPath });
        continue;
      }
      const gitlabReason = schema.gitlabOnly?.[name];
      if (gitlabReason !== undefined) {
        this.report(
          "warning",
          "gitlab-field-ignored",
          key,
          fieldPath,
          `'${name}' is ignored: ${gitlabReason}`,
        );
        continue;
      }
      const suggestion = closest(name, schema.fields);
      const hint =
        suggestion === undefined
          ? `known fields: ${schema.fields.join(", ")}`
          : `did you mean '${suggestion}'?`;
      this.report(
        "error",
        "unknown-field",
        key,
        fieldPath,
        `unknown ${schema.what} field '${name}': ${hint}`,
      );
    }
    return fields;
  }

  /** A string value; `undefined` (recorded) when it is something else or empty and `required`. */
  string(field: Field, required: boolean): string | undefined {
    const value = field.value;
    if (value === null || (isScalar(value) && value.value === null)) {
      if (required)
        this.report("error", "missing-value", value ?? field.key, field.path, `'${field.name}' is empty`);
      return undefined;
    }
    if (!isScalar(value) || typeof value.value !== "string") {
      this.report("error", "wrong-type", value, field.path, `'${field.name}' is a string`);
      return undefined;
    }
    if (required && value.value.trim() === "") {
      this.report("error", "missing-value", value, field.path, `'${field.name}' is empty`);
      return undefined;
    }
    return value.value;
  }

  /** A boolean value (YAML 1.2: `true` or `false`). */
  boolean(field: Field): boolean | undefined {
    const value = field.value;
    if (isScalar(value) && typeof value.value === "boolean") return value.value;
    this.report("error", "wrong-type", value ?? field.key, field.path, `'${field.name}' is true or false`);
    return undefined;
  }

  /** The items of a sequence with their paths; an empty value reads as no items. */
  items(field: Field): { node: ValueNode; path: string }[] | undefined {
    const value = field.value;
    if (value === null || (isScalar(value) && value.value === null)) return [];
    if (!isSeq(value)) {
      this.report("error", "wrong-type", value, field.path, `'${field.name}' is a list`);
      return undefined;
    }
    return value.items.map((item, i) => {
      const path = `${field.path}[${i}]`;
      return { node: this.deref(item as ValueNode, path), path };
    });
  }

  /** A list of non-empty strings, in order. */
  strings(field: Field): { value: string; node: Node; path: string }[] | undefined {
    const items = this.items(field);
    if (items === undefined) return undefined;
    const out: { value: string; node: Node; path: string }[] = [];
    let ok = true;
    for (const { node, path } of items) {
      if (!isScalar(node) || typeof node.value !== "string" || node.value.trim() === "") {
        this.report(
          "error",
          "wrong-type",
          node ?? field.key,
          path,
          `the items of '${field.name}' are non-empty strings`,
        );
        ok = false;
        continue;
      }
      out.push({ value: node.value, node, path });
    }
    return ok ? out : undefined;
  }
}

/** `a.b`, `a[0]`, or `a["odd key"]` for keys that are not plain names. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (/^[A-Za-z_][\w-]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance; names are short. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
