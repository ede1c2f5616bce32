import { isObject, reporterFor, type VexReadContext } from "./parse-openvex.js";
import type { VexProduct, VexStatement, VexStatus } from "./vex-statement.js";

/** CycloneDX `analysis.state` → the OpenVEX status it means for suppression. */
const STATES: Readonly<Record<string, VexStatus>> = {
  not_affected: "not_affected",
  false_positive: "not_affected",
  resolved: "fixed",
  resolved_with_pedigree: "fixed",
  exploitable: "affected",
  in_triage: "under_investigation",
};

/**
 * Statements of a CycloneDX VEX document (https://cyclonedx.org/capabilities/vex/, spec 1.4
 * to 1.6): each `vulnerabilities[]` entry with an `analysis.state` is one statement about
 * the components its `affects[].ref` name. A ref is a bom-ref of a component of the same
 * document (its purl is used), a BOM-Link `urn:cdx:<serial>/<version>#<bom-ref>` into the
 * SBOM (the bom-ref is used; Vigil's and most tools' bom-refs are purls), or a purl. Refs
 * that resolve to no purl are skipped; a statement none of whose refs resolve is dropped
 * rather than applied to every package. `affects[].versions` is not evaluated.
 */
export function readCycloneDxVex(doc: Record<string, unknown>, ctx: VexReadContext): VexStatement[] {
  const report = reporterFor(ctx);
  const documentId = typeof doc.serialNumber === "string" ? doc.serialNumber : undefined;
  const metadata = isObject(doc.metadata) ? doc.metadata : {};
  const docTime = typeof metadata.timestamp === "string" ? metadata.timestamp : undefined;
  const purls = new Map<string, string>();
  collectPurls(metadata.component, purls);
  if (Array.isArray(doc.components)) for (const c of doc.components) collectPurls(c, purls);

  if (doc.vulnerabilities === undefined) {
    report(
      "",
      "cyclonedx-vex-no-vulnerabilities",
      "the CycloneDX document has no `vulnerabilities`",
      "warning",
    );
    return [];
  }
  if (!Array.isArray(doc.vulnerabilities)) {
    report("/vulnerabilities", "cyclonedx-vex-bad-vulnerabilities", "`vulnerabilities` must be a list");
    return [];
  }
  const out: VexStatement[] = [];
  doc.vulnerabilities.forEach((raw: unknown, index: number) => {
    const pointer = `/vulnerabilities/${index}`;
    if (!isObject(raw) || typeof raw.id !== "string" || raw.id.length === 0) {
      report(pointer, "cyclonedx-vex-no-id", "a vulnerability needs an `id`; entry ignored");
      return;
    }
    const analysis = isObject(raw.analysis) ? raw.analysis : undefined;
    if (!analysis || analysis.state === undefined) {
      report(
        pointer,
        "cyclonedx-vex-no-analysis",
        `${raw.id} has no \`analysis.state\`, so it states nothing about exploitability; entry ignored`,
        "warning",
      );
      return;
    }
    const state = analysis.state;
    const status = typeof state === "string" ? STATES[state] : undefined;
    if (status === undefined) {
      report(
        `${pointer}/analysis/state`,
        "cyclonedx-vex-bad-state",
        `unknown analysis state ${JSON.stringify(state)} (expected ${Object.keys(STATES).join(", ")}); entry ignored`,
      );
      return;
    }
    const products: VexProduct[] = [];
    const affects = raw.affects;
    if (affects !== undefined && !Array.isArray(affects)) {
      report(`${pointer}/affects`, "cyclonedx-vex-bad-affects", "`affects` must be a list; entry ignored");
      return;
    }
    for (const [i, affect] of (affects ?? []).entries()) {
      const ref = isObject(affect) && typeof affect.ref === "string" ? affect.ref : undefined;
      const purl = ref === undefined ? undefined : resolveRef(ref, purls);
      if (purl) products.push({ purl, subcomponents: [] });
      else
        report(
          `${pointer}/affects/${i}`,
          "cyclonedx-vex-unresolved-ref",
          `affects ref ${JSON.stringify(ref)} names no component with a package URL; it is skipped`,
          "warning",
        );
    }
    if ((affects?.length ?? 0) > 0 && products.length === 0) {
      report(
        `${pointer}/affects`,
        "cyclonedx-vex-no-usable-ref",
        `no affects ref of ${raw.id} resolves to a package URL; entry ignored`,
      );
      return;
    }
    const aliases = Array.isArray(raw.references)
      ? raw.references.flatMap((r: unknown) => (isObject(r) && typeof r.id === "string" ? [r.id] : []))
      : [];
    const time = [analysis.lastUpdated, analysis.firstIssued, raw.updated, raw.published, docTime].find(
      (t): t is string => typeof t === "string",
    );
    const at = ctx.locate(pointer);
    out.push({
      format: "cyclonedx",
      vulnerability: raw.id,
      aliases: [...new Set(aliases)],
      products,
      status,
      originalStatus: state as string,
      ...(typeof analysis.justification === "string" ? { justification: analysis.justification } : {}),
      ...(typeof analysis.detail === "string" ? { impactStatement: analysis.detail } : {}),
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

function collectPurls(component: unknown, into: Map<string, string>): void {
  if (!isObject(component)) return;
  const ref = component["bom-ref"];
  if (typeof ref === "string" && typeof component.purl === "string") into.set(ref, component.purl);
  if (Array.isArray(component.components)) for (const c of component.components) collectPurls(c, into);
}

function resolveRef(ref: string, purls: ReadonlyMap<string, string>): string | undefined {
  let local = ref;
  if (ref.startsWith("urn:cdx:")) {
    const hash = ref.indexOf("#");
    if (hash < 0) return undefined;
    try {
      local = decodeURIComponent(ref.slice(hash + 1));
    } catch {
      return undefined;
    }
  }
  return purls.get(local) ?? (local.startsWith("pkg:") ? local : undefined);
}
