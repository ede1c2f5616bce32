/**
 * Fuzzing of the documents people and other tools hand to Vigil: VEX (OpenVEX and CycloneDX),
 * the ignore file, and Trivy Operator's VulnerabilityReports as the Kubernetes API returns them.
 * None of them may throw: every bad value becomes a problem or an issue that says where it is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "vitest";
import { parseAllDocuments } from "yaml";
import { convertTrivyReports } from "../import/trivy-operator/convert-trivy-reports.js";
import { applySuppressions } from "../suppress/apply-suppressions.js";
import { parseIgnoreFile } from "../suppress/parse-ignore-file.js";
import { parseVex } from "../suppress/parse-vex.js";
import type { SuppressionProblem } from "../suppress/suppression-problem.js";
import { CORE_SRC, Corpus, filesUnder } from "./test-support/corpus.js";
import { fuzz } from "./test-support/fuzz-property.js";

const NOW = new Date("2025-09-01T00:00:00Z");

const vexDocuments = Corpus.fromCoreDir("suppress/testdata", (p) => p.endsWith(".json"));
const ignoreFiles = Corpus.fromCoreFiles(["suppress/testdata/.vigilignore.yaml"]);

/** The Trivy Operator and Starboard report fixtures, each YAML document as the JSON the API sends. */
const trivyReports = new Corpus(
  new Map(
    filesUnder(join(CORE_SRC, "import/trivy-operator/testdata"))
      .filter((p) => p.endsWith(".yaml") && !p.includes("aquasecurity.github.io_"))
      .flatMap((p) =>
        parseAllDocuments(readFileSync(p, "utf8")).map(
          (doc, i) =>
            [`${p.split("/").slice(-2).join("/")}#${i}`, Buffer.from(JSON.stringify(doc.toJSON()))] as const,
        ),
      ),
  ),
);

function checkProblems(problems: readonly SuppressionProblem[], file: string): void {
  for (const problem of problems) {
    if (problem.code === "" || problem.message === "" || problem.location.file !== file) {
      throw new Error(`a problem that does not say what or where: ${JSON.stringify(problem)}`);
    }
  }
}

describe("fuzz: imported documents", () => {
  fuzz({
    parser: "VEX (OpenVEX, CycloneDX) + suppressions",
    inputs: vexDocuments.plans({ json: true }),
    run: (plan) => {
      const vex = parseVex(vexDocuments.apply(plan).toString("utf8"), "doc.vex.json");
      checkProblems(vex.problems, "doc.vex.json");
      applySuppressions({ matches: [], vex: vex.statements, now: NOW });
    },
    // each input is parsed twice (JSON.parse, then the yaml parser for positions)
    runsScale: 0.5,
  });

  fuzz({
    parser: "ignore file (.vigilignore.yaml) + suppressions",
    inputs: ignoreFiles.plans(),
    run: (plan) => {
      const file = parseIgnoreFile(ignoreFiles.apply(plan).toString("utf8"), ".vigilignore.yaml");
      checkProblems(file.problems, ".vigilignore.yaml");
      applySuppressions({ matches: [], ignoreRules: file.rules, now: NOW });
    },
  });

  fuzz({
    parser: "Trivy Operator VulnerabilityReports",
    inputs: trivyReports.plans({ json: true }),
    run: (plan) => {
      let object: unknown;
      try {
        object = JSON.parse(trivyReports.apply(plan).toString("utf8"));
      } catch {
        return; // not JSON: the Kubernetes client refuses it before conversion
      }
      const items = Array.isArray((object as { items?: unknown })?.items)
        ? (object as { items: unknown[] }).items
        : [object];
      const { issues } = convertTrivyReports(items);
      for (const issue of issues) {
        if (issue.code === "" || issue.message === "" || Object.keys(issue.location).length === 0) {
          throw new Error(`an issue that does not say what or where: ${JSON.stringify(issue)}`);
        }
      }
    },
  });
});
