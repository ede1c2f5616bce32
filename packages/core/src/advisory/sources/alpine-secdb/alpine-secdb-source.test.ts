import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { evaluateAffected } from "../../../match/affects.js";
import { apkComparator } from "../../../version/apk/apk.js";
import type { OsvRecord } from "../../osv-record.js";
import { SourceReadError } from "../shared/read-location.js";
import {
  type LoopbackServer,
  type Route,
  startLoopbackServer,
} from "../shared/test-support/loopback-server.js";
import { collectSync, describeSourceContract } from "../shared/test-support/source-contract.js";
import { createAlpineSecdbSource } from "./alpine-secdb-source.js";

const secdb = join(import.meta.dirname, "testdata/secdb");

describeSourceContract("alpine-secdb", {
  create: () => createAlpineSecdbSource(),
  location: secdb,
  yields: ["advisory"],
});

function byId(records: readonly { record: OsvRecord }[], id: string): OsvRecord {
  const found = records.find((r) => r.record.id === id);
  if (!found) throw new Error(`no record ${id}`);
  return found.record;
}

function fixedOf(record: OsvRecord): string[] {
  return (record.affected ?? []).map(
    (a) =>
      `${a.package!.ecosystem} ${a.package!.name} ${a.ranges!.map((r) => r.events.map((e) => Object.values(e)[0]).join("..")).join()}`,
  );
}

describe("alpine-secdb from a local directory", () => {
  it("groups every release of a CVE into one record, one affected entry per release and origin", async () => {
    const run = await collectSync(createAlpineSecdbSource(), { location: secdb });
    const record = byId(run.advisories, "ALPINE-SECDB-CVE-2022-37434");
    expect(record.upstream).toEqual(["CVE-2022-37434"]);
    expect(fixedOf(record)).toEqual([
      "Alpine:v3.18 zlib 0..1.2.12-r2",
      "Alpine:v3.19 zlib 0..1.2.12-r2",
      "Alpine:v3.20 zlib 0..1.2.12-r2",
    ]);
    expect(record.affected![0]!.package!.purl).toBe("pkg:apk/alpine/zlib?arch=source");
    expect(run.advisories.find((a) => a.record.id === "ALPINE-SECDB-CVE-2022-37434")!.upstreamUrl).toBe(
      "https://security.alpinelinux.org/vuln/CVE-2022-37434",
    );
  });

  it("takes a fix with an -r revision as the fixed event (spot check: zlib CVE-2022-37434)", async () => {
    const run = await collectSync(createAlpineSecdbSource(), { location: secdb });
    const affected = byId(run.advisories, "ALPINE-SECDB-CVE-2022-37434").affected!.find(
      (a) => a.package!.ecosystem === "Alpine:v3.19",
    )!;
    expect(affected.ranges).toEqual([
      { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.2.12-r2" }] },
    ]);
    const comparators = { ecosystem: apkComparator, semver: apkComparator };
    expect(evaluateAffected(affected, "1.2.12-r1", comparators).status).toBe("affected");
    expect(evaluateAffected(affected, "1.2.12-r2", comparators).status).toBe("not-affected");
    expect(evaluateAffected(affected, "1.3.1-r0", comparators).status).toBe("not-affected");
  });

  it("keeps fixed version 0 out of affected (never vulnerable) and records it as not_affected", async () => {
    const run = await collectSync(createAlpineSecdbSource(), { location: secdb });
    const minizip = byId(run.advisories, "ALPINE-SECDB-CVE-2023-45853");
    expect(minizip.affected).toBeUndefined();
    expect(minizip.database_specific).toEqual({
      source: "alpine-secdb",
      not_affected: [
        { ecosystem: "Alpine:v3.18", name: "zlib" },
        { ecosystem: "Alpine:v3.19", name: "zlib" },
        { ecosystem: "Alpine:v3.20", name: "zlib" },
      ],
    });
    // Listed only in v3.20's file.
    expect(byId(run.advisories, "ALPINE-SECDB-CVE-2023-6992").database_specific).toEqual({
      source: "alpine-secdb",
      not_affected: [{ ecosystem: "Alpine:v3.20", name: "zlib" }],
    });
    // A 0 with trailing text, next to a real fix of another CVE in the same package.
    expect(byId(run.advisories, "ALPINE-SECDB-CVE-2022-41925").affected).toBeUndefined();
    expect(fixedOf(byId(run.advisories, "ALPINE-SECDB-CVE-2022-41924"))).toEqual([
      "Alpine:v3.19 tailscale 0..1.32.3-r0",
    ]);
  });

  it("makes records of non-CVE ids with that id as upstream", async () => {
    const run = await collectSync(createAlpineSecdbSource(), { location: secdb });
    const xsa = byId(run.advisories, "ALPINE-SECDB-XSA-248");
    expect(xsa.upstream).toEqual(["XSA-248"]);
    expect(fixedOf(xsa)).toEqual(["Alpine:v3.19 xen 0..4.10.0-r1"]);
    expect(run.advisories.find((a) => a.record.id === "ALPINE-SECDB-XSA-248")!.upstreamUrl).toBe(
      "https://secdb.alpinelinux.org/v3.19/main.json",
    );
    expect(fixedOf(byId(run.advisories, "ALPINE-SECDB-GHSA-fhpf-pp6p-55qc"))).toEqual([
      "Alpine:v3.19 py3-treq 0..22.1.0-r0",
    ]);
    expect(fixedOf(byId(run.advisories, "ALPINE-SECDB-RUSTSEC-2020-0146"))).toEqual([
      "Alpine:v3.19 librsvg 0..2.50.4-r0",
    ]);
    expect(byId(run.advisories, "ALPINE-SECDB-DW202402-001").upstream).toEqual(["DW202402-001"]);
    // A cross-reference after the id is not a record of its own (XSA-400 covers four CVEs).
    expect(fixedOf(byId(run.advisories, "ALPINE-SECDB-CVE-2022-26358"))).toEqual([
      "Alpine:v3.19 xen 0..4.16.1-r0",
    ]);
    expect(run.advisories.some((a) => a.record.id.includes("XSA-400"))).toBe(false);
    expect(run.advisories.some((a) => a.record.id.includes("TS-2022"))).toBe(false);
  });

  it("takes the lowest of several fixed versions of one CVE and reads a duplicate once", async () => {
    const run = await collectSync(createAlpineSecdbSource(), { location: secdb });
    expect(fixedOf(byId(run.advisories, "ALPINE-SECDB-CVE-2023-27561"))).toEqual([
      "Alpine:v3.19 runc 0..1.1.4-r0",
    ]);
    expect(fixedOf(byId(run.advisories, "ALPINE-SECDB-CVE-2021-46022"))).toEqual([
      "Alpine:v3.19 recutils 0..1.9-r0",
    ]);
  });

  it("reports a malformed id and a missing community file as problems and goes on", async () => {
    const run = await collectSync(createAlpineSecdbSource(), { location: secdb });
    expect(run.problems).toEqual([
      { location: join(secdb, "v3.18/community.json"), reason: "not published; skipped" },
      {
        location: `${join(secdb, "v3.19/main.json")}#packages[0]`,
        reason: 'linux-lts 6.6.13-r0: "CVE-46838" does not start with a valid vulnerability id; skipped',
      },
      { location: join(secdb, "v3.20/community.json"), reason: "not published; skipped" },
    ]);
    expect(fixedOf(byId(run.advisories, "ALPINE-SECDB-CVE-2023-32233"))).toEqual([
      "Alpine:v3.19 linux-lts 0..6.1.27-r3",
    ]);
  });

  it("reads edge only when asked, and skips an invalid fixed version with a problem", async () => {
    const all = await collectSync(createAlpineSecdbSource(), { location: secdb });
    expect(
      all.advisories.some((a) => a.record.affected?.some((x) => x.package!.ecosystem === "Alpine:edge")),
    ).toBe(false);

    const edge = await collectSync(createAlpineSecdbSource({ releases: ["edge"] }), { location: secdb });
    expect(fixedOf(byId(edge.advisories, "ALPINE-SECDB-CVE-2021-31603"))).toEqual([
      "Alpine:edge croc 0..9.1.0-r0",
    ]);
    expect(fixedOf(byId(edge.advisories, "ALPINE-SECDB-CVE-2022-37434"))).toEqual([
      "Alpine:edge zlib 0..1.2.12-r2",
    ]);
    expect(edge.advisories.some((a) => a.record.id === "ALPINE-SECDB-CVE-2023-43617")).toBe(false);
    expect(edge.problems).toEqual([
      {
        location: `${join(secdb, "edge/community.json")}#packages[0]`,
        reason: 'fixed version "10.0.11-0" of croc is not a valid apk version; its 6 id(s) skipped',
      },
    ]);
  });

  it("reads one secdb file given directly, taking the release from distroversion", async () => {
    const run = await collectSync(createAlpineSecdbSource(), { location: join(secdb, "v3.20/main.json") });
    expect(run.problems).toEqual([]);
    expect(fixedOf(byId(run.advisories, "ALPINE-SECDB-CVE-2022-37434"))).toEqual([
      "Alpine:v3.20 zlib 0..1.2.12-r2",
    ]);
  });

  it("throws, naming the file, when a configured release has no main file", async () => {
    await expect(
      collectSync(createAlpineSecdbSource({ releases: ["v3.17"] }), { location: secdb }),
    ).rejects.toThrow(join(secdb, "v3.17/main.json"));
  });

  it("rejects a release name that is not one", () => {
    expect(() => createAlpineSecdbSource({ releases: ["3.19"] })).toThrow(/not an Alpine release/);
  });
});

describe("alpine-secdb over HTTP (loopback server, real fetch)", () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const file = (path: string) => readFileSync(join(secdb, path));
  const index = `<html><body><pre><a href="../">../</a>
<a href="edge/">edge/</a>  <a href="v3.18/">v3.18/</a>  <a href="v3.19/">v3.19/</a>  <a href="v3.20/">v3.20/</a>
<a href="license.txt">license.txt</a></pre></body></html>`;
  const routes: Record<string, Route> = {
    "/": { body: index, contentType: "text/html" },
    "/v3.18/main.json": { body: file("v3.18/main.json") },
    "/v3.19/main.json": { body: file("v3.19/main.json") },
    "/v3.19/community.json": { body: file("v3.19/community.json") },
    "/v3.20/main.json": { body: file("v3.20/main.json") },
  };

  it("discovers the releases from the index and yields what the local copy yields", async () => {
    server = await startLoopbackServer(routes);
    const remote = await collectSync(createAlpineSecdbSource(), { location: server.url, fetch });
    const local = await collectSync(createAlpineSecdbSource(), { location: secdb });
    expect(remote.advisories).toEqual(local.advisories);
    expect(remote.problems.map((p) => p.location)).toEqual([
      `${server.url}/v3.18/community.json`,
      `${server.url}/v3.19/main.json#packages[0]`,
      `${server.url}/v3.20/community.json`,
    ]);
    expect(server.requests).toEqual([
      "/",
      "/v3.18/main.json",
      "/v3.18/community.json",
      "/v3.19/main.json",
      "/v3.19/community.json",
      "/v3.20/main.json",
      "/v3.20/community.json",
    ]);
  });

  it("reads only the configured releases without asking for the index", async () => {
    server = await startLoopbackServer(routes);
    const run = await collectSync(createAlpineSecdbSource({ releases: ["v3.20"] }), {
      location: `${server.url}/`,
      fetch,
    });
    expect(server.requests).toEqual(["/v3.20/main.json", "/v3.20/community.json"]);
    expect(fixedOf(byId(run.advisories, "ALPINE-SECDB-CVE-2022-37434"))).toEqual([
      "Alpine:v3.20 zlib 0..1.2.12-r2",
    ]);
  });

  it("throws, naming the URL, when the connection is cut mid-body", async () => {
    const body = file("v3.19/main.json");
    server = await startLoopbackServer({ ...routes, "/v3.19/main.json": { body, cutAfter: 700 } });
    const failure = collectSync(createAlpineSecdbSource(), { location: server.url, fetch });
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toThrow(`${server.url}/v3.19/main.json`);
  });

  it("throws when a release's main file is missing or the index lists no release", async () => {
    server = await startLoopbackServer({ ...routes, "/v3.19/main.json": { body: "gone", status: 500 } });
    await expect(collectSync(createAlpineSecdbSource(), { location: server.url, fetch })).rejects.toThrow(
      `could not read ${server.url}/v3.19/main.json: the server answered 500`,
    );
    await server.close();
    server = await startLoopbackServer({ "/": { body: "<html>maintenance</html>" } });
    await expect(collectSync(createAlpineSecdbSource(), { location: server.url, fetch })).rejects.toThrow(
      /lists no Alpine releases/,
    );
  });

  it("throws, naming the URL, on a truncated document served whole", async () => {
    server = await startLoopbackServer({
      ...routes,
      "/v3.20/main.json": { body: file("v3.20/main.json").subarray(0, 300) },
    });
    await expect(collectSync(createAlpineSecdbSource(), { location: server.url, fetch })).rejects.toThrow(
      `${server.url}/v3.20/main.json is not valid JSON`,
    );
  });
});
