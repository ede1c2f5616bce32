/**
 * The part of the SARIF 2.1.0 object model Vigil writes
 * (https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/sarif-v2.1.0-errata01-os-complete.html).
 * Names are the spec's own so the objects serialize unchanged.
 */

/** A property bag: free-form, `tags` reserved for strings. */
export type SarifPropertyBag = { readonly tags?: readonly string[] } & Readonly<Record<string, unknown>>;

/** §3.11 message. */
export interface SarifMessage {
  readonly text: string;
  readonly markdown?: string;
}

/** §3.4 artifactLocation. */
export interface SarifArtifactLocation {
  readonly uri?: string;
  readonly index?: number;
  readonly description?: SarifMessage;
  readonly properties?: SarifPropertyBag;
}

/** §3.24 artifact. */
export interface SarifArtifact {
  readonly location: SarifArtifactLocation;
  readonly parentIndex?: number;
  readonly roles?: readonly string[];
  readonly mimeType?: string;
  readonly description?: SarifMessage;
  readonly hashes?: Readonly<Record<string, string>>;
  readonly properties?: SarifPropertyBag;
}

/** §3.49 reportingDescriptor (a rule). */
export interface SarifRule {
  readonly id: string;
  readonly name?: string;
  readonly shortDescription: SarifMessage;
  readonly fullDescription: SarifMessage;
  readonly help?: SarifMessage;
  readonly helpUri?: string;
  readonly defaultConfiguration?: { readonly level: SarifLevel };
  readonly properties?: SarifPropertyBag;
}

/** §3.27.10 result level. */
export type SarifLevel = "none" | "note" | "warning" | "error";

/** §3.35 suppression. */
export interface SarifSuppression {
  readonly kind: "inSource" | "external";
  readonly status?: "accepted" | "underReview" | "rejected";
  readonly justification?: string;
  readonly properties?: SarifPropertyBag;
}

/** §3.28 location. */
export interface SarifLocation {
  readonly physicalLocation: { readonly artifactLocation: SarifArtifactLocation };
  readonly message?: SarifMessage;
  readonly properties?: SarifPropertyBag;
}

/** §3.27 result. */
export interface SarifResult {
  readonly ruleId: string;
  readonly ruleIndex: number;
  readonly kind: "fail";
  readonly level: SarifLevel;
  readonly message: SarifMessage;
  readonly locations: readonly SarifLocation[];
  readonly partialFingerprints: Readonly<Record<string, string>>;
  readonly suppressions?: readonly SarifSuppression[];
  readonly properties?: SarifPropertyBag;
}

/** §3.13 sarifLog with exactly one run. */
export interface SarifLog {
  readonly $schema: string;
  readonly version: "2.1.0";
  readonly runs: readonly [
    {
      readonly tool: {
        readonly driver: {
          readonly name: string;
          readonly fullName?: string;
          readonly version: string;
          readonly semanticVersion?: string;
          readonly informationUri?: string;
          readonly rules: readonly SarifRule[];
        };
      };
      readonly automationDetails?: { readonly id: string };
      readonly invocations: readonly [{ readonly executionSuccessful: boolean; readonly endTimeUtc: string }];
      readonly artifacts: readonly SarifArtifact[];
      readonly results: readonly SarifResult[];
      readonly properties?: SarifPropertyBag;
    },
  ];
}
