import { describe, expect, it } from "vitest";
import { parseSecdbDocument, SecdbFormatError } from "./parse-secdb.js";

const where = { location: "v3.19/main.json", release: "v3.19", repository: "main" };

describe("parseSecdbDocument", () => {
  it("throws on documents that are not secdb", () => {
    expect(() => parseSecdbDocument([], where)).toThrow(SecdbFormatError);
    expect(() => parseSecdbDocument({ distroversion: "v3.19" }, where)).toThrow(/no packages array/);
    expect(() => parseSecdbDocument({ packages: [] }, { location: "x.json" })).toThrow(
      /names no Alpine release/,
    );
  });

  it("reports bad package entries and goes on", () => {
    const parsed = parseSecdbDocument(
      {
        distroversion: "v3.19",
        reponame: "main",
        packages: [
          { pkg: { secfixes: {} } },
          "zlib",
          { pkg: { name: "a", secfixes: ["1.0-r0"] } },
          { pkg: { name: "b", secfixes: { "1.0-r0": "CVE-2024-0001" } } },
          {
            pkg: {
              name: "c",
              secfixes: { "1.0-r0": [42, "see upstream", "CVE-2024-0002  (+ regression fix)"] },
            },
          },
          { pkg: { name: "d" } },
        ],
      },
      where,
    );
    expect(parsed.entries).toEqual([
      { id: "CVE-2024-0002", release: "v3.19", repository: "main", name: "c", fixed: "1.0-r0" },
    ]);
    expect(parsed.problems.map((p) => [p.location, p.reason])).toEqual([
      ["v3.19/main.json#packages[0]", "package entry without pkg.name; skipped"],
      ["v3.19/main.json#packages[1]", "package entry without pkg.name; skipped"],
      ["v3.19/main.json#packages[2]", "secfixes of a is not an object; skipped"],
      ["v3.19/main.json#packages[3]", 'secfixes "1.0-r0" of b is not a list; skipped'],
      ["v3.19/main.json#packages[4]", "c 1.0-r0: entry 42 is not a string; skipped"],
      [
        "v3.19/main.json#packages[4]",
        'c 1.0-r0: "see upstream" does not start with a valid vulnerability id; skipped',
      ],
    ]);
  });

  it("reads further CVE ids on one line as their own fixes", () => {
    const parsed = parseSecdbDocument(
      {
        distroversion: "v3.19",
        packages: [
          { pkg: { name: "xen", secfixes: { "4.12.1-r0": ["CVE-2019-17349 CVE-2019-17350 XSA-295"] } } },
        ],
      },
      where,
    );
    expect(parsed.entries.map((e) => e.id)).toEqual(["CVE-2019-17349", "CVE-2019-17350"]);
  });

  it("trusts distroversion over the layout and says so", () => {
    const parsed = parseSecdbDocument({ distroversion: "v3.20", packages: [] }, where);
    expect(parsed.release).toBe("v3.20");
    expect(parsed.problems).toEqual([
      {
        location: "v3.19/main.json",
        reason: "the file says it is release v3.20 but was found under v3.19; using v3.20",
      },
    ]);
  });
});

describe("ids of a secfixes line", () => {
  const idsOf = (line: string) => {
    const parsed = parseSecdbDocument(
      { distroversion: "v3.19", packages: [{ pkg: { name: "p", secfixes: { "1.0-r0": [line] } } }] },
      where,
    );
    return parsed.entries.length > 0 ? parsed.entries.map((e) => e.id) : parsed.problems.map((p) => p.reason);
  };

  it("takes the cross-reference when the CVE is a placeholder (real lines from secdb)", () => {
    expect(idsOf("CVE-????-????? XSA-312")).toEqual(["XSA-312"]);
    expect(idsOf("CVE-2022-????? XSA-398")).toEqual(["XSA-398"]);
    expect(idsOf("CVE-????-????? TS-2024-005")).toEqual(["TS-2024-005"]);
    expect(idsOf("CVE N/A ZBX-11023")).toEqual(["ZBX-11023"]);
  });

  it("reports lines whose id is malformed", () => {
    for (const line of [
      "CVE-46838",
      "CVE-2021-35940.patch",
      "CVE-2017-17434-1",
      "CVE-????-?????",
      "CVE N/A",
    ]) {
      expect(idsOf(line)).toEqual([
        `p 1.0-r0: ${JSON.stringify(line)} does not start with a valid vulnerability id; skipped`,
      ]);
    }
  });
});
