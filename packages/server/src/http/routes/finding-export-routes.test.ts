import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Match } from "@vigil/core";
import AjvModule from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import {
  debianImage,
  debianInventory,
  libwebpMatch,
  lodashMatch,
  opensslMatch,
} from "../../../../core/src/report/gitlab/test-support/gitlab-fixtures.js";
import { gitlabSchemaErrors } from "../../../../core/src/report/gitlab/test-support/gitlab-schemas.js";
import { DIALECTS } from "../../db/test-support/test-databases.js";
import type { FindingRecord } from "../../store/finding-record.js";
import { createImageRepository } from "../../store/image-repository.js";
import { createScanRepository } from "../../store/scan-repository.js";
import { at, finding } from "../../store/test-support/store-fixtures.js";
import { CSV_COLUMNS } from "./findings-csv.js";
import { expectJson, useApiServer } from "./test-support/api-test-server.js";
import { WEB_CONTAINER, WEB_DIGEST, webFindingOf } from "./test-support/web-container-findings.js";

/** A finding of a match in the web container, last seen at minute 30. */
function fromMatch(id: string, match: Match, fields: Partial<FindingRecord> = {}): FindingRecord {
  return webFindingOf(id, match, { lastSeen: at(30), ...fields });
}

const COMMENT = '=HYPERLINK("x"), said "we", over\ntwo lines';

function findings(): FindingRecord[] {
  return [
    fromMatch("f-openssl", opensslMatch, { kev: true }),
    fromMatch("f-webp", libwebpMatch, {
      state: "dismissed",
      dismissal: { reason: "mitigating_control", comment: COMMENT },
    }),
    fromMatch("f-lodash", lodashMatch),
    // an image that was not stored: rebuilt from the finding's details
    finding("f-ops", {
      identity: { clusterId: "prod", namespace: "ops", workloadName: "agent", advisoryId: "CVE-2024-9999" },
      details: { imageDigest: `sha256:${"8".repeat(64)}`, image: "registry.local/ops/agent:2" },
      kev: true,
      epss: 0.25,
    }),
    // resolved: left out of reports unless asked for
    finding("f-gone", {
      identity: { ...WEB_CONTAINER, advisoryId: "CVE-2020-0001" },
      state: "resolved",
      resolvedAt: at(40),
    }),
    // a CI pipeline's: never in the GitLab cluster report
    finding("f-dev", {
      reportType: "development",
      project: "shop/web",
      branch: "main",
      identity: {
        clusterId: "",
        namespace: "",
        workloadKind: "image",
        workloadName: "registry.local/shop/web",
        containerName: "",
      },
    }),
  ];
}

describe.each(DIALECTS)("finding exports on %s", (dialect) => {
  const api = useApiServer(dialect);

  const seed = async () => {
    await api.seedClusters("prod");
    await createImageRepository(api.db).upsert({
      digest: WEB_DIGEST,
      platform: "linux/amd64",
      reference: debianImage.reference,
      manifestDigest: debianImage.manifestDigest,
      image: debianImage,
      inventory: debianInventory,
      inventoryKey: "k1",
      matchedWith: "r1",
      matches: { matches: [opensslMatch, libwebpMatch, lodashMatch], issues: [] },
      scannedAt: at(30),
      matchedAt: at(30),
    });
    await api.seedFindings(findings());
  };
  const exportOf = async (query: string) => {
    const response = await api.request(`/api/v1/findings/export?${query}`);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return { response, text };
  };

  it("streams every finding as CSV with a header row and proper quoting, across pages", async () => {
    await seed();
    // more than one export page (500)
    await api.seedFindings(
      Array.from({ length: 620 }, (_, i) =>
        finding(`bulk-${String(i).padStart(4, "0")}`, {
          identity: { namespace: "bulk", advisoryId: `CVE-B-${i}` },
        }),
      ),
    );
    const { response, text } = await exportOf("format=csv");
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="vigil-findings.csv"');
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(CSV_COLUMNS);
    const records = rows.slice(1).map((r) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]])));
    expect(records).toHaveLength(626);
    expect(new Set(records.map((r) => r.id)).size).toBe(626);
    const webp = records.find((r) => r.id === "f-webp")!;
    // a formula is neutralized with a leading quote; commas, quotes and the newline survive
    expect(webp.dismissal_comment).toBe(`'${COMMENT}`);
    expect(webp).toMatchObject({
      state: "dismissed",
      dismissal_reason: "mitigating_control",
      cluster: "prod",
      package: libwebpMatch.package.name,
      aliases: libwebpMatch.aliases.join(";"),
    });
    expect(records.find((r) => r.id === "f-ops")).toMatchObject({
      kev: "true",
      epss: "0.25",
      fixed_version: "3.0.14-1",
    });
    expect(records.find((r) => r.id === "f-lodash")!.fixed_version).toBe(lodashMatch.fixedVersion);

    const filtered = parseCsv((await exportOf("format=csv&state=resolved")).text);
    expect(filtered.slice(1).map((r) => r[0])).toEqual(["f-gone"]);
  });

  it("exports a GitLab cluster image scanning report that the 15.0.7 schema accepts, from the stored matches", async () => {
    await seed();
    const scans = createScanRepository(api.db);
    await scans.create({
      id: "s1",
      clusterId: "prod",
      trigger: "manual",
      scope: { namespaces: [] },
      createdAt: at(29),
    });
    await scans.updateStatus({ id: "s1", status: "complete", at: at(31) });
    const { response, text } = await exportOf("format=gitlab");
    expect(response.headers.get("content-type")).toBe("application/json");
    const report = JSON.parse(text) as {
      scan: { status: string; type: string; scanner: { version: string } };
      vulnerabilities: {
        identifiers: { value: string }[];
        location: { kubernetes_resource: { namespace: string; cluster_id?: string } };
        details: Record<string, { value?: unknown; items?: Record<string, { value?: unknown }> }>;
      }[];
    };
    expect(gitlabSchemaErrors("cluster_image_scanning", report)).toEqual([]);
    expect([report.scan.type, report.scan.status, report.scan.scanner.version]).toEqual([
      "cluster_image_scanning",
      "success",
      "1.2.3",
    ]);
    const byId = new Map(report.vulnerabilities.map((v) => [v.identifiers[0]!.value, v]));
    // open and dismissed findings; not the resolved one, nor the development one
    expect([...byId.keys()].sort()).toEqual(
      [opensslMatch.id, libwebpMatch.id, lodashMatch.id, "CVE-2024-9999"].sort(),
    );
    // a stored match keeps its explanation
    const openssl = byId.get(opensslMatch.id)!;
    expect(openssl.details.matched_via?.value).toMatch(/source package openssl/);
    expect(openssl.details.image_digest?.value).toBe(debianImage.manifestDigest);
    expect(openssl.location.kubernetes_resource).toMatchObject({ namespace: "shop", cluster_id: "prod" });
    // a rebuilt one says so instead of inventing one
    const ops = byId.get("CVE-2024-9999")!;
    expect(ops.details.matched_via).toBeUndefined();
    expect(ops.details.imported_from?.items?.source?.value).toMatch(/stored finding f-ops/);
    expect(ops.details.imported_from?.items?.kev?.value).toBe("listed");

    const partial = await exportOf("format=gitlab&namespace=ops");
    expect(gitlabSchemaErrors("cluster_image_scanning", JSON.parse(partial.text))).toEqual([]);
    await scans.create({
      id: "s2",
      clusterId: "prod",
      trigger: "manual",
      scope: { namespaces: [] },
      createdAt: at(50),
    });
    await scans.updateStatus({ id: "s2", status: "partial", at: at(51) });
    const failed = JSON.parse((await exportOf("format=gitlab")).text) as {
      scan: { status: string; messages: { value: string }[] };
    };
    expect(failed.scan.status).toBe("failure");
    expect(failed.scan.messages[0]!.value).toMatch(/cluster prod: the last scan is partial/);

    const dev = await expectJson<{ error: { details: { field: string } } }>(
      await api.request("/api/v1/findings/export?format=gitlab&report_type=development"),
      400,
    );
    expect(dev.error.details.field).toBe("query.report_type");
    const empty = await exportOf("format=gitlab&cluster=nowhere");
    expect(gitlabSchemaErrors("cluster_image_scanning", JSON.parse(empty.text))).toEqual([]);
  });

  it("exports SARIF with a run per image (dismissed findings suppressed) that the SARIF schema accepts", async () => {
    await seed();
    const { response, text } = await exportOf("format=sarif&report_type=operational");
    expect(response.headers.get("content-type")).toBe("application/sarif+json");
    const log = JSON.parse(text) as {
      runs: {
        automationDetails?: { id: string };
        results: { ruleId: string; suppressions?: { justification: string }[] }[];
      }[];
    };
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(log.runs).toHaveLength(2);
    const webRun = log.runs.find((r) => r.results.some((x) => x.ruleId === opensslMatch.id))!;
    expect(webRun.automationDetails?.id).toBe("vigil/registry.example.com/shop/web/linux-amd64/");
    expect(webRun.results.map((r) => r.ruleId).sort()).toEqual(
      [opensslMatch.id, libwebpMatch.id, lodashMatch.id].sort(),
    );
    expect(webRun.results.find((r) => r.ruleId === libwebpMatch.id)!.suppressions?.[0]?.justification).toBe(
      COMMENT,
    );
    expect(sarifSchemaErrors(JSON.parse((await exportOf("format=sarif&cluster=nowhere")).text))).toEqual([]);
  });

  it("exports one image's findings as CycloneDX and asks for image_digest when there are several", async () => {
    await seed();
    const { response, text } = await exportOf(`format=cyclonedx&image_digest=${WEB_DIGEST}`);
    expect(response.headers.get("content-type")).toBe("application/vnd.cyclonedx+json; version=1.6");
    const bom = JSON.parse(text) as {
      bomFormat: string;
      components: unknown[];
      vulnerabilities: { id: string; analysis?: { state: string } }[];
    };
    expect(bom.bomFormat).toBe("CycloneDX");
    expect(bom.components.length).toBeGreaterThanOrEqual(debianInventory.packages.length);
    expect(bom.vulnerabilities.map((v) => v.id).sort()).toEqual(
      [opensslMatch.id, libwebpMatch.id, lodashMatch.id].sort(),
    );
    expect(bom.vulnerabilities.find((v) => v.id === libwebpMatch.id)!.analysis?.state).toBeDefined();

    const several = await expectJson<{ error: { message: string; details: { field: string } } }>(
      await api.request("/api/v1/findings/export?format=cyclonedx"),
      400,
    );
    expect(several.error.details.field).toBe("query.image_digest");
    expect(several.error.message).toMatch(/in 3 images/);
  });

  it("refuses an export without a known format", async () => {
    for (const query of ["", "format=pdf", "format=csv&sevrity=high"]) {
      expect((await api.request(`/api/v1/findings/export?${query}`)).status, query).toBe(400);
    }
  });
});

/** RFC 4180 CSV, parsed back: quoted fields, doubled quotes, CRLF row ends. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  expect(field).toBe("");
  expect(row).toEqual([]);
  return rows;
}

const Ajv = (AjvModule as unknown as { default: typeof AjvModule.default }).default;
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

/** The vendored SARIF 2.1.0 schema (draft-04) read as draft-07, as core's SARIF tests do. */
const sarifSchemaErrors = (() => {
  const file = join(
    import.meta.dirname,
    "../../../../core/src/report/sarif/testdata/sarif-schema-2.1.0.json",
  );
  const { $schema: _draft, id, ...rest } = JSON.parse(readFileSync(file, "utf8"));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile({ $id: id, ...rest });
  return (doc: unknown) => (validate(doc) ? [] : [...(validate.errors ?? [])]);
})();
