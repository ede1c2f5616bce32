import { describe, expect, it } from "vitest";
import {
  debianImage,
  debianInventory,
  libwebpMatch,
  lodashMatch,
  opensslMatch,
} from "../../../../core/src/report/gitlab/test-support/gitlab-fixtures.js";
import { DIALECTS } from "../../db/test-support/test-databases.js";
import { createClusterRepository } from "../../store/cluster-repository.js";
import type { FindingRecord } from "../../store/finding-record.js";
import { createImageRepository } from "../../store/image-repository.js";
import { at, finding } from "../../store/test-support/store-fixtures.js";
import { createWorkloadContainerRepository } from "../../store/workload-container-repository.js";
import { MAX_SAME_IMAGE_CONTAINERS } from "./finding-detail.js";
import { expectJson, useApiServer } from "./test-support/api-test-server.js";
import { WEB_DIGEST, webFindingOf } from "./test-support/web-container-findings.js";

interface Detail extends FindingRecord {
  history: { to: string }[];
  match?: Record<string, unknown>;
  sameImage: Record<string, unknown>[];
  sameImageTruncated: boolean;
}

describe.each(DIALECTS)("finding detail on %s", (dialect) => {
  const api = useApiServer(dialect);
  const detail = async (id: string) => expectJson<Detail>(await api.request(`/api/v1/findings/${id}`), 200);

  const seedImage = async () => {
    const images = createImageRepository(api.db);
    const stored = {
      digest: WEB_DIGEST,
      reference: debianImage.reference,
      inventoryKey: "k1",
      matchedWith: "r1",
      scannedAt: at(30),
      matchedAt: at(30),
    };
    // another platform of the index: its layers are not the finding's, and its match of the
    // same advisory and package explains something else
    const otherLayer = `sha256:${"7".repeat(64)}`;
    const otherPkg = {
      ...libwebpMatch.package,
      location: { ...libwebpMatch.package.location, layerDigest: otherLayer },
    };
    await images.upsert({
      ...stored,
      platform: "linux/386",
      manifestDigest: `sha256:${"6".repeat(64)}`,
      image: { ...debianImage, layers: [{ ...debianImage.layers[0]!, digest: otherLayer }] },
      inventory: { ...debianInventory, packages: [otherPkg] },
      matches: {
        matches: [{ ...libwebpMatch, package: otherPkg, advisoryIds: ["OTHER-PLATFORM"] }],
        issues: [],
      },
    });
    await images.upsert({
      ...stored,
      platform: "linux/amd64",
      manifestDigest: debianImage.manifestDigest,
      image: debianImage,
      inventory: debianInventory,
      matches: { matches: [opensslMatch, libwebpMatch, lodashMatch], issues: [] },
    });
  };

  const seedContainers = async () => {
    const clusters = createClusterRepository(api.db);
    for (const [id, name] of [
      ["prod", "Production"],
      ["edge", "Edge sites"],
    ] as const) {
      await clusters.upsert({
        id,
        name,
        connectionKind: "kubeconfig",
        kubeconfigContext: id,
        createdAt: at(0),
      });
    }
    const container = (clusterId: string, namespace: string, workloadName: string, digest = WEB_DIGEST) => ({
      clusterId,
      namespace,
      workloadKind: "Deployment",
      workloadName,
      containerName: "app",
      digest,
      image: debianImage.reference,
      lastSeenAt: at(30),
    });
    await createWorkloadContainerRepository(api.db).upsert([
      { ...container("prod", "shop", "web"), runningSince: at(5) },
      container("edge", "shop", "web"),
      container("prod", "shop", "admin"),
      container("prod", "ops", "agent", `sha256:${"8".repeat(64)}`),
    ]);
  };

  it("explains the match from the platform holding the finding's layer, and lists every container of its image", async () => {
    await seedImage();
    await seedContainers();
    await api.seedFindings([webFindingOf("f-webp", libwebpMatch, { kev: true })]);

    const one = await detail("f-webp");
    expect(one.id).toBe("f-webp");
    expect(one.history).toEqual([]);
    expect(one.match).toEqual({
      advisoryIds: ["DEBIAN-CVE-2023-4863"],
      aliases: ["DEBIAN-CVE-2023-4863"],
      matchedVia: "source",
      matchedName: libwebpMatch.matchedName,
      matchedVersion: libwebpMatch.matchedVersion,
      ecosystem: "Debian:12",
      comparator: "deb",
      range: {
        kind: "range",
        rangeIndex: 0,
        rangeType: "ECOSYSTEM",
        introduced: "0",
        fixed: "1.2.4-0.2+deb12u1",
      },
      fixedVersion: "1.2.4-0.2+deb12u1",
      status: "fixed",
      severity: {
        level: "high",
        source: "cvss-v3",
        score: 8.8,
        vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
      },
      summary: "libwebp: heap buffer overflow in WebP codec",
      description: libwebpMatch.description,
      references: libwebpMatch.references,
      kev: { dateAdded: "2023-09-13", dueDate: "2023-10-04", ransomware: false },
      epss: { score: 0.7312, percentile: 0.9871, date: "2024-06-01" },
    });
    // by cluster id, then namespace, workload and container; the other digest's container is not there
    expect(one.sameImage).toEqual([
      {
        clusterId: "edge",
        clusterName: "Edge sites",
        namespace: "shop",
        workloadKind: "Deployment",
        workloadName: "web",
        containerName: "app",
        image: debianImage.reference,
        lastSeenAt: at(30),
      },
      {
        clusterId: "prod",
        clusterName: "Production",
        namespace: "shop",
        workloadKind: "Deployment",
        workloadName: "admin",
        containerName: "app",
        image: debianImage.reference,
        lastSeenAt: at(30),
      },
      {
        clusterId: "prod",
        clusterName: "Production",
        namespace: "shop",
        workloadKind: "Deployment",
        workloadName: "web",
        containerName: "app",
        image: debianImage.reference,
        runningSince: at(5),
        lastSeenAt: at(30),
      },
    ]);
    expect(one.sameImageTruncated).toBe(false);
  });

  it("leaves the match out when the image or the match is not stored, without failing", async () => {
    await seedImage();
    await api.seedFindings([
      // the stored image holds libwebp at another version only
      webFindingOf("f-other-version", {
        ...libwebpMatch,
        package: { ...libwebpMatch.package, version: "9.9.9", purl: "pkg:deb/debian/libwebp7@9.9.9" },
      }),
      // an advisory the stored matches do not hold
      webFindingOf("f-other-advisory", { ...opensslMatch, id: "CVE-2099-0001" }),
      // an image never stored
      finding("f-no-image", { details: { imageDigest: `sha256:${"5".repeat(64)}` } }),
      finding("f-dev", {
        reportType: "development",
        project: "shop/web",
        branch: "main",
        identity: {
          clusterId: "",
          namespace: "",
          workloadKind: "image",
          workloadName: "shop/web",
          containerName: "",
        },
        details: { imageDigest: "" },
      }),
    ]);
    for (const id of ["f-other-version", "f-other-advisory", "f-no-image", "f-dev"]) {
      const one = await detail(id);
      expect(one.id, id).toBe(id);
      expect("match" in one, id).toBe(false);
      expect([one.sameImage, one.sameImageTruncated], id).toEqual([[], false]);
    }
  });

  it("lists at most 200 containers of one image and says there are more", async () => {
    await api.seedClusters("big");
    await createWorkloadContainerRepository(api.db).upsert(
      Array.from({ length: MAX_SAME_IMAGE_CONTAINERS + 1 }, (_, i) => ({
        clusterId: "big",
        namespace: "batch",
        workloadKind: "Job",
        workloadName: `job-${String(i).padStart(4, "0")}`,
        containerName: "main",
        digest: WEB_DIGEST,
        image: debianImage.reference,
        lastSeenAt: at(30),
      })),
    );
    await api.seedFindings([webFindingOf("f-webp", libwebpMatch)]);
    const one = await detail("f-webp");
    expect(one.sameImage).toHaveLength(MAX_SAME_IMAGE_CONTAINERS);
    expect(one.sameImage[0]!.workloadName).toBe("job-0000");
    expect(one.sameImage.at(-1)!.workloadName).toBe("job-0199");
    expect(one.sameImageTruncated).toBe(true);
  });

  it("answers a state change with the same detail a read gives", async () => {
    await seedImage();
    await seedContainers();
    await api.seedFindings([webFindingOf("f-openssl", opensslMatch)]);
    const changed = await expectJson<Detail>(
      await api.request("/api/v1/findings/f-openssl/state", {
        method: "POST",
        json: { state: "confirmed", comment: "reachable from the web" },
      }),
      200,
    );
    expect(changed.state).toBe("confirmed");
    expect(changed.history.map((h) => h.to)).toEqual(["confirmed"]);
    expect(changed.match?.advisoryIds).toEqual(opensslMatch.advisoryIds);
    expect(changed.sameImage).toHaveLength(3);
    expect(changed).toEqual(await detail("f-openssl"));
  });
});
