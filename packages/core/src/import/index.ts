/** Reports of other scanners, converted to Vigil's shapes. */

export * from "./trivy-operator/index.js";
