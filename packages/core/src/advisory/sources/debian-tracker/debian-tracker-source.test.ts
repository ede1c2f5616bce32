import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { evaluateAffected } from "../../../match/affects.js";
import { debComparator } from "../../../version/deb/deb.js";
import type { OsvRecord } from "../../osv-record.js";
import { SourceReadError } from "../shared/read-location.js";
import { type LoopbackServer, startLoopbackServer } from "../shared/test-support/loopback-server.js";
import { collectSync, describeSourceContract } from "../shared/test-support/source-contract.js";
import { createDebianTrackerSource } from "./debian-tracker-source.js";

const tracker = join(import.meta.dirname, "testdata/tracker.json");

describeSourceContract("debian-tracker", {
  create: () => createDebianTrackerSource(),
  location: tracker,
  yields: ["advisory"],
});

function byId(records: readonly { record: OsvRecord }[], id: string): OsvRecord {
  const found = records.find((r) => r.record.id === id);
  if (!found) throw new Error(`no record ${id}`);
  return found.record;
}

/** `ecosystem name events fix_status` per affected entry. */
function summary(record: OsvRecord): string[] {
  return (record.affected ?? []).map(
    (a) =>
      `${a.package!.ecosystem} ${a.package!.name} ${a.ranges![0]!.events.map((e) => Object.values(e)[0]).join("..")} ${a.ecosystem_specific!.fix_status}`,
  );
}

describe("debian-tracker", () => {
  it("makes one record per CVE, one affected entry per numbered release and source package", async () => {
    const run = await collectSync(createDebianTrackerSource(), { location: tracker });
    expect(run.advisories.map((a) => a.record.id)).toEqual([
      "DEBIAN-TRACKER-CVE-2007-2383",
      "DEBIAN-TRACKER-CVE-2022-0456",
      "DEBIAN-TRACKER-CVE-2022-3715",
      "DEBIAN-TRACKER-CVE-2023-3164",
      "DEBIAN-TRACKER-CVE-2023-38545",
      "DEBIAN-TRACKER-CVE-2023-45853",
      "DEBIAN-TRACKER-CVE-2023-5678",
      "DEBIAN-TRACKER-CVE-2024-26581",
      "DEBIAN-TRACKER-CVE-2024-40896",
      "DEBIAN-TRACKER-CVE-2024-9680",
    ]);
    const firefox = run.advisories.find((a) => a.record.id === "DEBIAN-TRACKER-CVE-2024-9680")!;
    expect(firefox.upstreamUrl).toBe("https://security-tracker.debian.org/tracker/CVE-2024-9680");
    expect(firefox.record.upstream).toEqual(["CVE-2024-9680"]);
    expect(summary(firefox.record)).toEqual([
      "Debian:11 firefox-esr 0..115.16.1esr-1~deb11u1 fixed",
      "Debian:12 firefox-esr 0..115.16.1esr-1~deb12u1 fixed",
      "Debian:13 firefox-esr 0..128.3.1esr-1 fixed",
      "Debian:11 thunderbird 0 unfixed",
      "Debian:12 thunderbird 0..1:115.16.0esr-1~deb12u1 fixed",
    ]);
    expect(firefox.record.affected![0]!.package!.purl).toBe("pkg:deb/debian/firefox-esr?arch=source");
    expect(firefox.record.database_specific).toEqual({
      source: "debian-tracker",
      urgency: "high**",
      scope: "remote",
    });
  });

  it("gives a CVE without a fix no fixed event (spot check: thunderbird CVE-2024-9680 in bullseye)", async () => {
    const run = await collectSync(createDebianTrackerSource(), { location: tracker });
    const open = byId(run.advisories, "DEBIAN-TRACKER-CVE-2024-9680").affected!.find(
      (a) => a.package!.name === "thunderbird" && a.package!.ecosystem === "Debian:11",
    )!;
    expect(open.ranges).toEqual([{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }]);
    expect(open.ecosystem_specific).toEqual({ status: "open", fix_status: "unfixed", urgency: "high**" });
    const comparators = { ecosystem: debComparator, semver: debComparator };
    const verdict = evaluateAffected(open, "1:115.15.0-1~deb11u1", comparators);
    expect(verdict.status).toBe("affected");
    expect(
      verdict.status === "affected" && verdict.by.kind === "range" ? verdict.by.fixed : "?",
    ).toBeUndefined();
  });

  it("tells will-not-fix (ignored, end-of-life) from no fix yet (no-dsa, postponed)", async () => {
    const run = await collectSync(createDebianTrackerSource(), { location: tracker });
    expect(summary(byId(run.advisories, "DEBIAN-TRACKER-CVE-2023-45853"))).toEqual([
      "Debian:11 zlib 0 will-not-fix",
      "Debian:12 zlib 0 will-not-fix",
      "Debian:13 zlib 0..1:1.3.dfsg-3 fixed",
    ]);
    expect(byId(run.advisories, "DEBIAN-TRACKER-CVE-2023-45853").affected![1]!.ecosystem_specific).toEqual({
      status: "open",
      fix_status: "will-not-fix",
      urgency: "not yet assigned",
      nodsa: "contrib/minizip not built and src:zlib not producing binary packages",
      nodsa_reason: "ignored",
    });
    expect(summary(byId(run.advisories, "DEBIAN-TRACKER-CVE-2022-0456"))).toEqual([
      "Debian:10 chromium 0 will-not-fix",
      "Debian:11 chromium 0..98.0.4758.80-1~deb11u1 fixed",
      "Debian:12 chromium 0..98.0.4758.80-1 fixed",
    ]);
    const bash = byId(run.advisories, "DEBIAN-TRACKER-CVE-2022-3715");
    expect(bash.affected![0]!.ecosystem_specific).toEqual({
      status: "open",
      fix_status: "unfixed",
      urgency: "low",
      nodsa: "Minor issue",
      nodsa_reason: "no-dsa",
    });
    expect(bash.affected![0]!.database_specific).toEqual({ codename: "bullseye", debianbug: 1023527 });
    const kernel = byId(run.advisories, "DEBIAN-TRACKER-CVE-2024-26581");
    expect(kernel.affected![0]!.ecosystem_specific).toEqual({
      status: "open",
      fix_status: "unfixed",
      urgency: "not yet assigned",
      nodsa: "Minor issue, revisit when fixed upstream",
      nodsa_reason: "postponed",
      next_point_update: true,
    });
  });

  it("omits releases never affected (fixed_version 0) and records them as not_affected", async () => {
    const run = await collectSync(createDebianTrackerSource(), { location: tracker });
    const curl = byId(run.advisories, "DEBIAN-TRACKER-CVE-2023-38545");
    expect(summary(curl)).toEqual([
      "Debian:12 curl 0..7.88.1-10+deb12u4 fixed",
      "Debian:13 curl 0..8.3.0-3 fixed",
    ]);
    expect(curl.database_specific).toEqual({
      source: "debian-tracker",
      urgency: "high",
      scope: "remote",
      not_affected: [
        { ecosystem: "Debian:10", name: "curl" },
        { ecosystem: "Debian:11", name: "curl" },
      ],
    });
    expect(curl.details).toMatch(/^This flaw makes curl overflow/);
    const prototype = byId(run.advisories, "DEBIAN-TRACKER-CVE-2007-2383");
    expect(prototype.affected).toBeUndefined();
    expect(prototype.database_specific).toMatchObject({ urgency: "unimportant" });
  });

  it("keeps undetermined releases as affected entries marked undetermined", async () => {
    const run = await collectSync(createDebianTrackerSource(), { location: tracker });
    expect(summary(byId(run.advisories, "DEBIAN-TRACKER-CVE-2024-40896"))).toEqual([
      "Debian:12 libxml2 0 undetermined",
    ]);
  });

  it("rates the record with the highest urgency of any release, NVD marker kept", async () => {
    const run = await collectSync(createDebianTrackerSource(), { location: tracker });
    const urgency = (id: string) => byId(run.advisories, id).database_specific?.urgency;
    expect(urgency("DEBIAN-TRACKER-CVE-2024-9680")).toBe("high**");
    expect(urgency("DEBIAN-TRACKER-CVE-2023-5678")).toBe("low");
    expect(urgency("DEBIAN-TRACKER-CVE-2022-0456")).toBe("not yet assigned");
    expect(urgency("DEBIAN-TRACKER-CVE-2023-3164")).toBe("unimportant");
  });

  it("skips sid and TEMP ids silently, reports bad entries and unnumbered codenames", async () => {
    const run = await collectSync(createDebianTrackerSource(), { location: tracker });
    expect(
      run.advisories.some((a) => a.record.affected?.some((x) => x.database_specific?.codename === "sid")),
    ).toBe(false);
    expect(run.advisories.some((a) => a.record.id.includes("TEMP"))).toBe(false);
    expect(run.problems.map((p) => `${p.location.slice(tracker.length)} ${p.reason}`)).toEqual([
      "#broken package broken does not map issues; skipped",
      '#openssl/CVE-2099-0001/bookworm fixed_version "not a version" is not a valid Debian version; skipped',
      '#openssl/CVE-2099-0001/trixie status "fixed" is not resolved, open or undetermined; skipped',
      '#openssl/CVE-2099-1 "CVE-2099-1" is not a CVE id; skipped',
      "#weird/CVE-2099-0002 releases is not an object; skipped",
      "#weird/CVE-2099-0003/bookworm release entry is not an object; skipped",
      " release duke has no known number (Debian:<N>); its entries were skipped. Add it to the source's releases option",
    ]);
  });

  it("reads a release added through options", async () => {
    const run = await collectSync(createDebianTrackerSource({ releases: { duke: "15" } }), {
      location: tracker,
    });
    expect(summary(byId(run.advisories, "DEBIAN-TRACKER-CVE-2024-26581"))).toEqual([
      "Debian:11 linux 0 unfixed",
      "Debian:12 linux 0..6.1.76-1 fixed",
      "Debian:15 linux 0 unfixed",
    ]);
    expect(run.problems.some((p) => p.reason.includes("duke"))).toBe(false);
    expect(() => createDebianTrackerSource({ releases: { duke: "fifteen" } })).toThrow(/needs a number/);
  });

  it("throws, naming the file, when it is not the tracker's JSON", async () => {
    const failure = collectSync(createDebianTrackerSource(), {
      location: join(import.meta.dirname, "index.ts"),
    });
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toThrow(/index\.ts is not valid JSON/);
  });
});

describe("debian-tracker over HTTP (loopback server, real fetch)", () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const body = readFileSync(tracker);

  it("yields what the local file yields, plain or gzip", async () => {
    server = await startLoopbackServer({
      "/tracker/data/json": { body, contentType: "application/json" },
      "/tracker.json.gz": { body: gzipSync(body) },
    });
    const local = await collectSync(createDebianTrackerSource(), { location: tracker });
    for (const path of ["/tracker/data/json", "/tracker.json.gz"]) {
      const remote = await collectSync(createDebianTrackerSource(), {
        location: `${server.url}${path}`,
        fetch,
      });
      expect(remote.advisories).toEqual(local.advisories);
      expect(remote.problems.length).toBe(local.problems.length);
    }
  });

  it("throws, naming the URL, when the connection is cut mid-body", async () => {
    server = await startLoopbackServer({ "/tracker/data/json": { body, cutAfter: 4000, chunked: true } });
    const failure = collectSync(createDebianTrackerSource(), {
      location: `${server.url}/tracker/data/json`,
      fetch,
    });
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toThrow(`could not read ${server.url}/tracker/data/json`);
  });
});
