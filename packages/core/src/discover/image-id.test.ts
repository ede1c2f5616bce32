import { describe, expect, it } from "vitest";
import { parseImageId } from "./image-id.js";
import { choosePullReference } from "./pull-reference.js";
import { pod } from "./test-support/fixtures.js";

// imageIDs as the fixture pods carry them (see testdata/PROVENANCE.md).
const containerd = pod("cronjobHello").status!.containerStatuses![0]!.imageID!;
const crio = pod("statefulset").status!.containerStatuses![0]!.imageID!;
const dockerPullable = pod("deployment").status!.containerStatuses![0]!.imageID!;
const NGINX = "sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d";
// Image (config) ids: dockershim writes `docker://sha256:…` when the image has no RepoDigest;
// containerd and CRI-O write the bare id for images built or imported on the node.
const CONFIG_ID = "sha256:295c7be079025306c4f1d65997fcf7adb411c88f139ad1d34b537164aa060369";

describe("parseImageId", () => {
  it("reads containerd's repository digest", () => {
    expect(containerd).toBe(
      "docker.io/library/hello-world@sha256:1408fec50309afee38f3535383f5b09419e6dc0925bc69891e79d84cc4cdcec6",
    );
    expect(parseImageId(containerd)).toEqual({
      kind: "repository-digest",
      repository: "docker.io/library/hello-world",
      digest: "sha256:1408fec50309afee38f3535383f5b09419e6dc0925bc69891e79d84cc4cdcec6",
    });
  });

  it("reads a CRI-O style registry/repo@sha256 (same form as containerd)", () => {
    expect(parseImageId(crio)).toEqual({
      kind: "repository-digest",
      repository: "registry.k8s.io/nginx-slim",
      digest: "sha256:0e3657b75574b38c98c9ea0cc5a90a24352515b0237035fa61dadd457fe4b426",
    });
  });

  it("reads docker-pullable:// (dockershim / cri-dockerd RepoDigest)", () => {
    expect(dockerPullable).toBe(`docker-pullable://nginx@${NGINX}`);
    expect(parseImageId(dockerPullable)).toEqual({
      kind: "repository-digest",
      repository: "nginx",
      digest: NGINX,
    });
  });

  it("recognizes docker://sha256 and bare sha256 as image config ids", () => {
    expect(parseImageId(`docker://${CONFIG_ID}`)).toEqual({ kind: "image-id", id: CONFIG_ID });
    expect(parseImageId(CONFIG_ID)).toEqual({ kind: "image-id", id: CONFIG_ID });
  });

  it("reports an empty or absent imageID as empty", () => {
    expect(parseImageId("")).toEqual({ kind: "empty" });
    expect(parseImageId(undefined)).toEqual({ kind: "empty" });
  });

  it("does not guess at other forms", () => {
    expect(parseImageId(`containerd://${CONFIG_ID}`)).toMatchObject({ kind: "unrecognized" });
    expect(parseImageId("nginx@sha256:abc")).toMatchObject({ kind: "unrecognized" });
    expect(parseImageId("nginx:1.25")).toMatchObject({ kind: "unrecognized" });
    expect(parseImageId("sha256:XYZ")).toMatchObject({ kind: "unrecognized" });
  });
});

describe("choosePullReference", () => {
  it("pins the spec's normalized repository to the imageID's digest", () => {
    const initPod = pod("initPod");
    expect(initPod.spec!.containers![0]!.image).toBe("nginx:alpine");
    const outcome = choosePullReference(
      "nginx:alpine",
      parseImageId(initPod.status!.containerStatuses![0]!.imageID),
    );
    expect(outcome).toEqual({
      ok: true,
      pullReference:
        "docker.io/library/nginx@sha256:482ead44b2203fa32b3390abdaf97cbdc8ad15c07fb03a3e68d7c35a19ad7595",
      digest: "sha256:482ead44b2203fa32b3390abdaf97cbdc8ad15c07fb03a3e68d7c35a19ad7595",
      notes: [],
    });
  });

  it("treats docker.io/x and x as one repository (cilium: spec docker.io/cilium/operator, imageID cilium/operator)", () => {
    const cilium = pod("cilium");
    const outcome = choosePullReference(
      cilium.spec!.containers![0]!.image,
      parseImageId(cilium.status!.containerStatuses![0]!.imageID),
    );
    expect(outcome).toMatchObject({
      ok: true,
      pullReference:
        "docker.io/cilium/operator@sha256:bcf273e7af15e7a0c9eb8df2f87fc81fe56323217ec8b2b35cd9cd5115920055",
      notes: [],
    });
  });

  it("uses a spec pinned by digest as written", () => {
    const outcome = choosePullReference(`nginx@${NGINX}`, parseImageId(dockerPullable));
    expect(outcome).toEqual({
      ok: true,
      pullReference: `docker.io/library/nginx@${NGINX}`,
      digest: NGINX,
      notes: [],
    });
  });

  it("notes a spec digest that differs from the runtime's, and pulls the spec's", () => {
    const other = `sha256:${"a".repeat(64)}`;
    const outcome = choosePullReference(`nginx@${other}`, parseImageId(dockerPullable));
    expect(outcome).toMatchObject({
      ok: true,
      pullReference: `docker.io/library/nginx@${other}`,
      digest: NGINX,
    });
    expect(outcome.ok && outcome.notes.map((n) => n.code)).toEqual(["spec-digest-differs"]);
  });

  it("reports an image id as not pullable instead of guessing", () => {
    for (const imageId of [`docker://${CONFIG_ID}`, CONFIG_ID]) {
      const outcome = choosePullReference("nginx:1.25", parseImageId(imageId));
      expect(outcome).toMatchObject({ ok: false, code: "image-id-not-pullable", severity: "warning" });
      expect(!outcome.ok && outcome.message).toContain("Cannot pull by image id");
      expect(!outcome.ok && outcome.message).toContain(CONFIG_ID);
    }
  });

  it("uses the spec's digest when the runtime gives an image id but the spec is pinned", () => {
    const outcome = choosePullReference(`nginx@${NGINX}`, parseImageId(`docker://${CONFIG_ID}`));
    expect(outcome).toMatchObject({
      ok: true,
      pullReference: `docker.io/library/nginx@${NGINX}`,
      digest: NGINX,
    });
    expect(outcome.ok && outcome.notes.map((n) => n.code)).toEqual(["digest-from-spec"]);
  });

  it("notes an imageID from another repository (a docker RepoDigest alias) and keeps the spec's", () => {
    const outcome = choosePullReference(
      "registry.example.com/team/app:1.0",
      parseImageId(`docker-pullable://mirror.example.com/team/app@${NGINX}`),
    );
    expect(outcome).toMatchObject({ ok: true, pullReference: `registry.example.com/team/app@${NGINX}` });
    expect(outcome.ok && outcome.notes.map((n) => n.code)).toEqual(["image-id-repository-differs"]);
  });

  it("falls back to the imageID's repository when the spec image is not a reference", () => {
    const outcome = choosePullReference("Not A Reference", parseImageId(containerd));
    expect(outcome).toMatchObject({
      ok: true,
      pullReference:
        "docker.io/library/hello-world@sha256:1408fec50309afee38f3535383f5b09419e6dc0925bc69891e79d84cc4cdcec6",
    });
    expect(outcome.ok && outcome.notes.map((n) => n.code)).toEqual(["spec-image-invalid"]);
  });

  it("skips empty and unreadable imageIDs with a reason", () => {
    expect(choosePullReference("nginx", parseImageId(""))).toMatchObject({ ok: false, code: "no-image-id" });
    expect(choosePullReference("nginx", parseImageId("nginx:latest"))).toMatchObject({
      ok: false,
      code: "image-id-unrecognized",
    });
  });
});
