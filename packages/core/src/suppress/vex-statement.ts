/**
 * A VEX status in OpenVEX terms (https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md#status-labels).
 * CycloneDX analysis states map onto it: `not_affected` and `false_positive` to
 * `not_affected`, `resolved` and `resolved_with_pedigree` to `fixed`, `exploitable` to
 * `affected`, `in_triage` to `under_investigation`.
 */
export type VexStatus = "not_affected" | "affected" | "fixed" | "under_investigation";

/** Statuses that suppress a finding: the supplier says it does not apply, or is fixed in this version. */
export const SUPPRESSING_VEX_STATUSES: ReadonlySet<VexStatus> = new Set(["not_affected", "fixed"]);

/**
 * What a statement is about. `purl` is the product (an image `pkg:oci/…` or a package);
 * `subcomponents` are the packages inside it the statement is about. A product without
 * subcomponents is about itself: every package of the image for an image purl, else the
 * package it names.
 */
export interface VexProduct {
  readonly purl: string;
  readonly subcomponents: readonly string[];
}

/** One VEX statement, from OpenVEX or CycloneDX, in one shape. */
export interface VexStatement {
  readonly format: "openvex" | "cyclonedx";
  /** The vulnerability as named (`CVE-2023-44487`). */
  readonly vulnerability: string;
  /** Other names of the same vulnerability (OpenVEX `aliases`, CycloneDX `references[].id`). */
  readonly aliases: readonly string[];
  /** Empty: the statement applies to every package that has the vulnerability. */
  readonly products: readonly VexProduct[];
  readonly status: VexStatus;
  /** The status as the document wrote it (`false_positive`, `resolved_with_pedigree` …). */
  readonly originalStatus: string;
  /** OpenVEX `justification` or CycloneDX `analysis.justification`, as written. */
  readonly justification?: string;
  /** OpenVEX `impact_statement`, or CycloneDX `analysis.detail`. */
  readonly impactStatement?: string;
  /** OpenVEX `action_statement`. */
  readonly actionStatement?: string;
  /** OpenVEX `status_notes`. */
  readonly statusNotes?: string;
  /** When the statement was made (RFC 3339): the latest statement about a finding wins. */
  readonly timestamp?: string;
  /** Where the statement was read. */
  readonly source: {
    readonly file: string;
    readonly line?: number;
    /** RFC 6901 pointer to the statement (`/statements/3`, `/vulnerabilities/0`). */
    readonly pointer: string;
    /** The document's own id (OpenVEX `@id`, CycloneDX `serialNumber`). */
    readonly documentId?: string;
    /** Position of the statement in the file, for a stable order among equal timestamps. */
    readonly index: number;
  };
}
