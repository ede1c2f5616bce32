import { describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { createMemoryAdvisoryReader } from "../advisory/memory-advisory-reader.js";
import { scanImage } from "./scan-image.js";

const env = testEnv();

const reader = createMemoryAdvisoryReader({
  advisories: [
    {
      record: {
        id: "DEBIAN-CVE-2099-0001",
        modified: "2099-01-01T00:00:00Z",
        upstream: ["CVE-2099-0001"],
        affected: [
          {
            package: { ecosystem: "Debian:12", name: "glibc" },
            ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "9:9.99-1" }] }],
          },
        ],
      },
      source: "test",
      fetchedAt: "2099-01-01T00:00:00Z",
      severity: { level: "high", source: "distribution" },
    },
  ],
});

describe("scanImage", () => {
  it("reads a real image and matches its packages through the source package", async () => {
    const result = await scanImage(`${env.registry}/vigil/minbase:latest`, { advisories: reader });
    expect(result.status).toBe("complete");
    expect(result.stages.inventory.status).toBe("succeeded");
    expect(result.stages.match.status).toBe("succeeded");
    const names = result
      .matches!.matches.map((m) => `${m.package.name} via ${m.matchedVia} ${m.matchedName}`)
      .sort();
    expect(names).toEqual(["libc-bin via source glibc", "libc6 via source glibc"]);
    expect(result.matches!.osEcosystem).toBe("Debian:12");
  });

  it("fails with the registry's answer for an image that does not exist, matching nothing", async () => {
    const result = await scanImage(`${env.registry}/vigil/missing:latest`, { advisories: reader });
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(/missing/);
    expect(result.stages.match.status).toBe("skipped");
  });
});
