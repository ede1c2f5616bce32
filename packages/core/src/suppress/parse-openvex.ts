import type { JsonLocator } from "./json-locator.js";
import type { SuppressionProblem } from "./suppression-problem.js";
import type { VexProduct, VexStatement, VexStatus } from "./vex-statement.js";

const STATUSES: ReadonlySet<string> = new Set(["not_affected", "affected", "fixed", "under_investigation"]);

/** OpenVEX status justifications (https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md#status-justifications). */
export const OPENVEX_JUSTIFICATIONS: ReadonlySet<string> = new Set([
  "component_not_present",
  "vulnerable_code_not_present",
  "vulnerable_code_not_in_execute_path",
  "vulnerable_code_cannot_be_controlled_by_adversary",
  "inline_mitigations_already_exist",
]);

/** Context of one document being read. */
export interface VexReadContext {
  readonly file: string;
  readonly locate: JsonLocator;
  readonly problems: SuppressionProblem[];
}

/** Records a problem at a JSON pointer of the document, with its line and column when known. */
export function reporterFor(
  ctx: VexReadContext,
): (pointer: string, code: string, message: string, severity?: "error" | "warning") => void {
  return (pointer, code, message, severity = "error") => {
    const at = ctx.locate(pointer);
    ctx.problems.push({
      severity,
      code,
      message,
      location: { file: ctx.file, ...(at ? { line: at.line, column: at.column } : {}), pointer },
    });
  };
}

/**
 * Statements of an OpenVEX document (v0.2.0, https://github.com/openvex/spec; the string
 * forms of v0.0.x `vulnerability` and `products` are read too). A statement that breaks a
 * MUST of the spec (no status, `not_affected` without justification or impact statement,
 * products none of which can be identified by a purl) is dropped with a problem: a
 * malformed statement must not hide a finding. Document `timestamp` cascades to statements.
 */
export function readOpenVex(doc: Record<string, unknown>, ctx: VexReadContext): VexStatement[] {
  const report = reporterFor(ctx);
  const documentId = typeof doc["@id"] === "string" ? doc["@id"] : undefined;
  const docTime = typeof doc.timestamp === "string" ? doc.timestamp : undefined;
  if (!Array.isArray(doc.statements)) {
    report("/statements", "openvex-no-statements", "an OpenVEX document needs a `statements` list");
    return [];
  }
  const out: VexStatement[] = [];
  doc.statements.forEach((raw: unknown, index: number) => {
    const pointer = `/statements/${index}`;
    if (!isObject(raw)) {
      report(pointer, "openvex-statement-not-an-object", "a statement must be an object; statement ignored");
      return;
    }
    const vuln = readVulnerability(raw.vulnerability);
    if (!vuln) {
      report(
        `${pointer}/vulnerability`,
        "openvex-statement-no-vulnerability",
        "a statement needs `vulnerability.name`; statement ignored",
      );
      return;
    }
    const status = raw.status;
    if (typeof status !== "string" || !STATUSES.has(status)) {
      report(
        `${pointer}/status`,
        "openvex-statement-bad-status",
        `\`status\` must be one of not_affected, affected, fixed, under_investigation, not ${JSON.stringify(status)}; statement ignored`,
      );
      return;
    }
    const justification = typeof raw.justification === "string" ? raw.justification : undefined;
    const impact = typeof raw.impact_statement === "string" ? raw.impact_statement : undefined;
    if (status === "not_affected" && justification === undefined && impact === undefined) {
      report(
        pointer,
        "openvex-not-affected-without-justification",
        "a not_affected statement MUST give a `justification` or an `impact_statement`; statement ignored",
      );
      return;
    }
    if (justification !== undefined && !OPENVEX_JUSTIFICATIONS.has(justification))
      report(
        `${pointer}/justification`,
        "openvex-unknown-justification",
        `unknown justification ${JSON.stringify(justification)}; the statement is still applied`,
        "warning",
      );
    let products: VexProduct[] = [];
    if (raw.products !== undefined) {
      if (!Array.isArray(raw.products)) {
        report(
          `${pointer}/products`,
          "openvex-products-not-a-list",
          "`products` must be a list; statement ignored",
        );
        return;
      }
      products = readProducts(raw.products, `${pointer}/products`, report);
      if (raw.products.length > 0 && products.length === 0) {
        report(
          `${pointer}/products`,
          "openvex-no-usable-product",
          "no product of this statement has a package URL to match; statement ignored",
        );
        return;
      }
    }
    const time = typeof raw.timestamp === "string" ? raw.timestamp : docTime;
    const at = ctx.locate(pointer);
    out.push({
      format: "openvex",
      vulnerability: vuln.name,
      aliases: vuln.aliases,
      products,
      status: status as VexStatus,
      originalStatus: status,
      ...(justification !== undefined ? { justification } : {}),
      ...(impact !== undefined ? { impactStatement: impact } : {}),
      ...(typeof raw.action_statement === "string" ? { actionStatement: raw.action_statement } : {}),
      ...(typeof raw.status_notes === "string" ? { statusNotes: raw.status_notes } : {}),
      ...(time !== undefined ? { timestamp: time } : {}),
      source: {
        file: ctx.file,
        ...(at ? { line: at.line } : {}),
        pointer,
        ...(documentId !== undefined ? { documentId } : {}),
        index,
      },
    });
  });
  return out;
}

function readVulnerability(value: unknown): { name: string; aliases: string[] } | undefined {
  if (typeof value === "string" && value.length > 0) return { name: value, aliases: [] };
  if (!isObject(value) || typeof value.name !== "string" || value.name.length === 0) return undefined;
  const aliases = Array.isArray(value.aliases)
    ? value.aliases.filter((a): a is string => typeof a === "string" && a.length > 0)
    : [];
  // `@id` is usually a URL of the record; only a bare identifier is a name.
  const id = value["@id"];
  if (typeof id === "string" && !id.includes(":")) aliases.push(id);
  return { name: value.name, aliases: [...new Set(aliases)] };
}

type Report = (pointer: string, code: string, message: string, severity?: "error" | "warning") => void;

/** Products with a purl; a product identified only by CPE or hash cannot be matched to a package. */
function readProducts(list: readonly unknown[], pointer: string, report: Report): VexProduct[] {
  const out: VexProduct[] = [];
  list.forEach((raw, index) => {
    const purl = componentPurl(raw);
    if (!purl) {
      report(
        `${pointer}/${index}`,
        "openvex-product-without-purl",
        "product has no package URL (`@id` or `identifiers.purl`); it cannot be matched and is skipped",
        "warning",
      );
      return;
    }
    const subcomponents: string[] = [];
    const subs = isObject(raw) && Array.isArray(raw.subcomponents) ? raw.subcomponents : [];
    let unusable = 0;
    subs.forEach((sub: unknown, subIndex: number) => {
      const subPurl = componentPurl(sub);
      if (subPurl) subcomponents.push(subPurl);
      else {
        unusable++;
        report(
          `${pointer}/${index}/subcomponents/${subIndex}`,
          "openvex-subcomponent-without-purl",
          "subcomponent has no package URL; it cannot be matched and is skipped",
          "warning",
        );
      }
    });
    // Every subcomponent unusable: the product must not widen to all of its packages.
    if (subs.length > 0 && unusable === subs.length) return;
    out.push({ purl, subcomponents });
  });
  return out;
}

/** A component's purl: `identifiers.purl`, else an `@id` that is a purl (v0.0.x: the string itself). */
function componentPurl(raw: unknown): string | undefined {
  if (typeof raw === "string") return raw.startsWith("pkg:") ? raw : undefined;
  if (!isObject(raw)) return undefined;
  const identifiers = isObject(raw.identifiers) ? raw.identifiers : {};
  if (typeof identifiers.purl === "string" && identifiers.purl.startsWith("pkg:")) return identifiers.purl;
  const id = raw["@id"];
  return typeof id === "string" && id.startsWith("pkg:") ? id : undefined;
}

/** A plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
