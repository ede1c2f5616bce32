import { describe, expect, it } from "vitest";
import type { ResolvedImage } from "../../model/image.js";
import {
  gitlabImageName,
  gitlabKubernetesLocation,
  gitlabOperatingSystem,
  imageRepositoryOf,
} from "./gitlab-location.js";
import { GitlabReportInputError } from "./gitlab-report-input.js";

const digest = `sha256:${"a".repeat(64)}`;
const image = (reference: string, repository?: string): ResolvedImage => ({
  reference,
  ...(repository ? { repository } : {}),
  manifestDigest: digest,
  manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
  platform: { os: "linux", architecture: "amd64" },
  configDigest: digest,
  config: { diffIds: [] },
  layers: [],
});

describe("gitlabImageName", () => {
  it.each([
    ["docker.io/library/alpine:3.19", "docker.io/library/alpine:3.19"],
    [`docker.io/library/alpine:3.19@${digest}`, "docker.io/library/alpine:3.19"],
    [`localhost:5000/team/app:v2@${digest}`, "localhost:5000/team/app:v2"],
    [`docker.io/library/alpine@${digest}`, `docker.io/library/alpine@${digest}`],
    [`localhost:5000/team/app@${digest}`, `localhost:5000/team/app@${digest}`],
    ["docker-archive:/tmp/alpine.tar", "docker-archive:/tmp/alpine.tar"],
    ["oci:/var/images/app:1.0", "oci:/var/images/app:1.0"],
  ])("%s is written %s", (reference, expected) => {
    expect(gitlabImageName(image(reference))).toBe(expected);
  });

  it("never writes an empty image", () => {
    expect(gitlabImageName(image(""))).toBe(digest);
  });
});

describe("imageRepositoryOf", () => {
  it("is the repository without tag or digest, or the reference of an archive", () => {
    expect(imageRepositoryOf(image("docker.io/library/alpine:3.19", "docker.io/library/alpine"))).toBe(
      "docker.io/library/alpine",
    );
    expect(imageRepositoryOf(image(`oci:/var/images/app@${digest}`))).toBe("oci:/var/images/app");
  });
});

describe("gitlabOperatingSystem", () => {
  it("writes id and version, or Unknown", () => {
    expect(gitlabOperatingSystem({ id: "debian", versionId: "12", source: "/etc/os-release" })).toBe(
      "debian 12",
    );
    expect(
      gitlabOperatingSystem({ id: "debian", versionCodename: "trixie", source: "/etc/os-release" }),
    ).toBe("debian trixie");
    expect(gitlabOperatingSystem({ id: "wolfi", source: "/etc/os-release" })).toBe("wolfi");
    expect(gitlabOperatingSystem(undefined)).toBe("Unknown");
  });
});

describe("gitlabKubernetesLocation", () => {
  it("writes the schema's snake_case names and leaves out absent ids", () => {
    expect(
      gitlabKubernetesLocation({
        namespace: "shop",
        kind: "Deployment",
        name: "web",
        containerName: "web",
        clusterId: "3",
      }),
    ).toEqual({ namespace: "shop", kind: "Deployment", name: "web", container_name: "web", cluster_id: "3" });
  });

  it("refuses empty or over-long fields", () => {
    expect(() =>
      gitlabKubernetesLocation({ namespace: "", kind: "Pod", name: "p", containerName: "c" }),
    ).toThrow(GitlabReportInputError);
    expect(() =>
      gitlabKubernetesLocation({ namespace: "n", kind: "Pod", name: "p".repeat(256), containerName: "c" }),
    ).toThrow(/name must be 1 to 255/);
  });
});
