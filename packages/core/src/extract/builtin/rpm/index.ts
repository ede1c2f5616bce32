// Placeholder until the rpm extractor lands: the rpm engineer replaces this whole file.
import type { Extractor } from "../../extractor.js";

export function createRpmExtractor(): Extractor {
  return { name: "os/rpm", version: 0, required: () => false, extract: () => ({ packages: [], issues: [] }) };
}
