import { describe, expect, it } from "vitest";
import { gitlabIdentifier, gitlabIdentifiers } from "./gitlab-identifiers.js";

describe("gitlabIdentifier", () => {
  it.each([
    ["CVE-2023-5678", "cve", "https://nvd.nist.gov/vuln/detail/CVE-2023-5678"],
    ["GHSA-jf85-cpcp-j695", "ghsa", "https://github.com/advisories/GHSA-jf85-cpcp-j695"],
    ["DSA-5532-1", "dsa", "https://security-tracker.debian.org/tracker/DSA-5532-1"],
    ["DLA-3652-1", "dla", "https://security-tracker.debian.org/tracker/DLA-3652-1"],
    ["DEBIAN-CVE-2023-5678", "debian", "https://security-tracker.debian.org/tracker/CVE-2023-5678"],
    ["USN-6477-1", "usn", "https://ubuntu.com/security/notices/USN-6477-1"],
    ["UBUNTU-CVE-2023-5678", "ubuntu", "https://ubuntu.com/security/CVE-2023-5678"],
    ["RHSA-2024:0154", "rhsa", "https://access.redhat.com/errata/RHSA-2024:0154"],
    ["ALPINE-CVE-2023-42366", "alpine", "https://security.alpinelinux.org/vuln/CVE-2023-42366"],
    ["ELSA-2024-0154", "elsa", "https://linux.oracle.com/errata/ELSA-2024-0154.html"],
    ["GO-2023-2102", "go", "https://pkg.go.dev/vuln/GO-2023-2102"],
    ["RUSTSEC-2023-0071", "rustsec", "https://rustsec.org/advisories/RUSTSEC-2023-0071.html"],
    ["PYSEC-2021-108", "pysec", "https://osv.dev/vulnerability/PYSEC-2021-108"],
  ])("%s is a %s identifier linking to its advisory page", (id, type, url) => {
    expect(gitlabIdentifier(id)).toEqual({ type, name: id, value: id, url });
  });

  it("gives an unknown format its prefix as type and no guessed URL", () => {
    expect(gitlabIdentifier("SUSE-SU-2024:0001-1")).toEqual({
      type: "suse",
      name: "SUSE-SU-2024:0001-1",
      value: "SUSE-SU-2024:0001-1",
    });
    expect(gitlabIdentifier("2024_0001")).toEqual({
      type: "advisory",
      name: "2024_0001",
      value: "2024_0001",
    });
    // Near misses of known formats do not get a link built from them.
    expect(gitlabIdentifier("CVE-2023")).not.toHaveProperty("url");
  });
});

describe("gitlabIdentifiers", () => {
  it("puts the primary id first, then every other alias and advisory id once, sorted", () => {
    const ids = gitlabIdentifiers({
      id: "CVE-2023-5678",
      aliases: ["DSA-5532-1", "DEBIAN-CVE-2023-5678"],
      advisoryIds: ["DEBIAN-CVE-2023-5678", "DSA-5532-1", "CVE-2023-5678"],
    });
    expect(ids.map((i) => i.value)).toEqual(["CVE-2023-5678", "DEBIAN-CVE-2023-5678", "DSA-5532-1"]);
  });

  it("keeps an advisory id as primary when there is no CVE", () => {
    const ids = gitlabIdentifiers({
      id: "GHSA-jf85-cpcp-j695",
      aliases: [],
      advisoryIds: ["GHSA-jf85-cpcp-j695"],
    });
    expect(ids).toEqual([expect.objectContaining({ type: "ghsa", value: "GHSA-jf85-cpcp-j695" })]);
  });
});
