import type { ResolvedImage } from "../model/image.js";
import type { ImageInventory } from "../model/image-inventory.js";
import type { LocatedIssue } from "../model/issue.js";
import type { Match } from "../model/match.js";
import type { SuppressedMatch } from "../suppress/apply-suppressions.js";

/** Version of Vigil's JSON scan document; bump on incompatible changes. */
export const SCAN_JSON_SCHEMA_VERSION = "1";

/** Options of {@link renderScanJson}. */
export interface ScanJsonOptions {
  readonly image: ResolvedImage;
  readonly inventory: ImageInventory;
  readonly matches: readonly Match[];
  /** Findings left out by ignore rules or VEX, each with the rule or statement that did it. */
  readonly suppressed?: readonly SuppressedMatch[];
  readonly issues: readonly LocatedIssue[];
  readonly osEcosystem?: string;
  readonly osNotMatched?: string;
  readonly advisoryData?: {
    readonly sources: readonly { readonly name: string; readonly lastSuccessAt?: string }[];
  };
  readonly now: Date;
  readonly toolVersion: string;
}

/**
 * Vigil's JSON scan result: the image, its OS, every finding with its full explanation
 * (advisories, range, comparator, matched name), suppressed findings with the statement
 * that suppressed them, and every issue.
 */
export function renderScanJson(options: ScanJsonOptions): string {
  const { image } = options;
  const document = {
    schemaVersion: SCAN_JSON_SCHEMA_VERSION,
    tool: { name: "vigil", version: options.toolVersion },
    createdAt: options.now.toISOString(),
    image: {
      reference: image.reference,
      manifestDigest: image.manifestDigest,
      configDigest: image.configDigest,
      platform: image.platform,
    },
    os: options.inventory.os ?? null,
    osEcosystem: options.osEcosystem ?? null,
    ...(options.osNotMatched ? { osNotMatched: options.osNotMatched } : {}),
    packages: options.inventory.packages.length,
    findings: options.matches,
    suppressed: options.suppressed ?? [],
    issues: options.issues,
    ...(options.advisoryData ? { advisoryData: options.advisoryData } : {}),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
