import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openResultSpool } from "./result-spool.js";

describe("the agent's result spool", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vigil-spool-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps one file per scan in write order, a newer delivery of a scan replacing the older, no temporary files left", async () => {
    const spool = await openResultSpool(join(dir, "spool"));
    await spool.put({ kind: "result", scanId: "scan/1", body: { n: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 2));
    await spool.put({ kind: "discovery", scanId: "scan-2", body: { n: 2 } });
    await new Promise((resolve) => setTimeout(resolve, 2));
    await spool.put({ kind: "result", scanId: "scan/1", body: { n: 3 } });
    const pending = await spool.pending();
    expect(pending).toHaveLength(2);
    expect(pending[0]).toMatch(/-scan-2\.json$/);
    expect(pending[1]).toMatch(/-scan_1\.json$/);
    expect(await spool.read(pending[1]!)).toEqual({ kind: "result", scanId: "scan/1", body: { n: 3 } });
    expect(readdirSync(join(dir, "spool")).sort()).toEqual([...pending, "rejected"].sort());

    await spool.remove(pending[0]!);
    await spool.reject(pending[1]!, "400 clusterId: must be the agent's cluster");
    expect(await spool.pending()).toEqual([]);
    expect(readFileSync(join(dir, "spool", "rejected", `${pending[1]}.reason.txt`), "utf8")).toBe(
      "400 clusterId: must be the agent's cluster\n",
    );
    expect(JSON.parse(readFileSync(join(dir, "spool", "rejected", pending[1]!), "utf8")).body).toEqual({
      n: 3,
    });
  });
});
