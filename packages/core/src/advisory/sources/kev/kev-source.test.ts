import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SourceReadError } from "../shared/read-location.js";
import { type LoopbackServer, startLoopbackServer } from "../shared/test-support/loopback-server.js";
import { collectSync, describeSourceContract } from "../shared/test-support/source-contract.js";
import { createKevSource } from "./kev-source.js";
import { isIsoDate, parseKevCatalog } from "./parse-kev.js";

const catalog = join(import.meta.dirname, "testdata/known_exploited_vulnerabilities.json");

describeSourceContract("kev", { create: () => createKevSource(), location: catalog, yields: ["kev"] });

/** Independent reading of the fixture: every well-formed entry as `cve dateAdded dueDate ransomware`. */
function grepCatalog(): string[] {
  const document = JSON.parse(readFileSync(catalog, "utf8")) as { vulnerabilities: Record<string, string>[] };
  return document.vulnerabilities
    .filter((v) => /^CVE-\d{4}-\d+$/.test(v.cveID!))
    .map((v) => `${v.cveID} ${v.dateAdded} ${v.dueDate} ${v.knownRansomwareCampaignUse === "Known"}`)
    .sort();
}

describe("kev", () => {
  it("yields every real entry of the catalog excerpt, and the malformed one as a problem", async () => {
    const run = await collectSync(createKevSource(), { location: catalog });
    expect(run.kev.map((k) => `${k.cve} ${k.dateAdded} ${k.dueDate} ${k.ransomware}`)).toEqual(grepCatalog());
    expect(run.kev).toHaveLength(50);
    expect(run.advisories).toEqual([]);
    expect(run.problems).toEqual([
      {
        location: `${catalog}#vulnerabilities[25]`,
        reason: 'cveID "CVE-2025-XXXX" is not a CVE id; skipped',
      },
    ]);
    expect(run.cursor).toBe("2025.08.25");
  });

  it("reads knownRansomwareCampaignUse Known as ransomware, Unknown as not known", async () => {
    const run = await collectSync(createKevSource(), { location: catalog });
    expect(run.kev.filter((k) => k.ransomware).length).toBe(5);
    expect(run.kev.find((k) => k.cve === "CVE-2025-48384")).toEqual({
      kind: "kev",
      cve: "CVE-2025-48384",
      dateAdded: "2025-08-25",
      dueDate: "2025-09-15",
      ransomware: false,
    });
  });

  it("reports bad dates, duplicates and non-objects, and keeps the rest", () => {
    const parsed = parseKevCatalog(
      {
        catalogVersion: "x",
        vulnerabilities: [
          { cveID: "CVE-2024-0001", dateAdded: "2024-02-30" },
          { cveID: "CVE-2024-0002", dateAdded: "2024-02-01", dueDate: "soon" },
          { cveID: "CVE-2024-0003", dateAdded: "2024-02-01" },
          { cveID: "CVE-2024-0003", dateAdded: "2024-03-01" },
          null,
        ],
      },
      "kev.json",
    );
    expect(parsed.items).toEqual([{ kind: "kev", cve: "CVE-2024-0003", dateAdded: "2024-02-01" }]);
    expect(parsed.problems.map((p) => p.reason)).toEqual([
      'CVE-2024-0001: dateAdded "2024-02-30" is not a YYYY-MM-DD date; skipped',
      'CVE-2024-0002: dueDate "soon" is not a YYYY-MM-DD date; skipped',
      "CVE-2024-0003: listed twice; the first entry is kept; skipped",
      "entry is not an object; skipped",
    ]);
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2023-02-29")).toBe(false);
  });

  it("throws, naming the file, when the document is not a catalog", async () => {
    const failure = collectSync(createKevSource(), {
      location: join(import.meta.dirname, "testdata/PROVENANCE.md"),
    });
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toThrow(/PROVENANCE\.md is not valid JSON/);
  });
});

describe("kev over HTTP (loopback server, real fetch)", () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const body = readFileSync(catalog);

  it("yields the same items as the local file", async () => {
    server = await startLoopbackServer({ "/feeds/kev.json": { body, contentType: "application/json" } });
    const remote = await collectSync(createKevSource(), { location: `${server.url}/feeds/kev.json`, fetch });
    const local = await collectSync(createKevSource(), { location: catalog });
    expect(remote.kev).toEqual(local.kev);
    expect(remote.cursor).toBe("2025.08.25");
  });

  it("throws, naming the URL, when the connection is cut mid-body", async () => {
    server = await startLoopbackServer({ "/kev.json": { body, cutAfter: 20_000 } });
    const failure = collectSync(createKevSource(), { location: `${server.url}/kev.json`, fetch });
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toThrow(`could not read ${server.url}/kev.json`);
  });

  it("throws on a catalog cut short but served as if complete", async () => {
    server = await startLoopbackServer({ "/kev.json": { body: body.subarray(0, 20_000) } });
    await expect(
      collectSync(createKevSource(), { location: `${server.url}/kev.json`, fetch }),
    ).rejects.toThrow(`${server.url}/kev.json is not valid JSON`);
  });
});
