import { describe, expect, it } from "vitest";
import { ImageReferenceError } from "./errors.js";
import {
  formatImageReference,
  isLoopbackRegistry,
  parseImageReference,
  registryApiHost,
} from "./image-reference.js";

const D = `sha256:${"a".repeat(64)}`;

describe("parseImageReference", () => {
  it.each([
    ["alpine", "docker.io/library/alpine:latest"],
    ["alpine:3.19", "docker.io/library/alpine:3.19"],
    ["library/alpine", "docker.io/library/alpine:latest"],
    ["bitnami/redis:7", "docker.io/bitnami/redis:7"],
    ["docker.io/alpine", "docker.io/library/alpine:latest"],
    ["index.docker.io/library/alpine:edge", "docker.io/library/alpine:edge"],
    ["registry-1.docker.io/library/busybox", "docker.io/library/busybox:latest"],
    ["localhost/foo", "localhost/foo:latest"],
    ["localhost:5000/foo/bar:1.0", "localhost:5000/foo/bar:1.0"],
    ["127.0.0.1:5000/vigil/minbase:latest", "127.0.0.1:5000/vigil/minbase:latest"],
    ["ghcr.io/org/sub/image:v1.2.3-rc_1", "ghcr.io/org/sub/image:v1.2.3-rc_1"],
    [`quay.io/org/img@${D}`, `quay.io/org/img@${D}`],
    [`host:5000/repo:tag@${D}`, `host:5000/repo:tag@${D}`],
    ["[::1]:5000/repo", "[::1]:5000/repo:latest"],
    ["Registry.Example.com/repo", "registry.example.com/repo:latest"],
    ["a/b__c/d-e.f:t", "docker.io/a/b__c/d-e.f:t"],
  ])("%s → %s", (input, expected) => {
    expect(formatImageReference(parseImageReference(input))).toBe(expected);
  });

  it("splits registry, repository, tag and digest", () => {
    expect(parseImageReference(`host:5000/repo:tag@${D}`)).toEqual({
      registry: "host:5000",
      repository: "repo",
      tag: "tag",
      digest: D,
    });
    expect(parseImageReference(`alpine@${D}`)).toEqual({
      registry: "docker.io",
      repository: "library/alpine",
      digest: D,
    });
  });

  it.each([
    ["", /empty/],
    ["Alpine", /lowercase/],
    ["docker.io/Library/alpine", /lowercase/],
    ["alpine:", /not a valid tag/],
    ["alpine:bad/tag", /not a valid repository|lowercase|not a valid/],
    ["alpine@sha256:abc", /not a valid digest/],
    ["https://registry/repo", /URL scheme/],
    ["repo//x", /not a valid repository path component/],
    ["a b", /whitespace/],
  ])("rejects %j", (input, message) => {
    expect(() => parseImageReference(input)).toThrow(ImageReferenceError);
    expect(() => parseImageReference(input)).toThrow(message);
  });

  it("maps Docker Hub to its API host and recognises loopback", () => {
    expect(registryApiHost("docker.io")).toBe("registry-1.docker.io");
    expect(registryApiHost("ghcr.io")).toBe("ghcr.io");
    for (const host of ["localhost", "localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000"]) {
      expect(isLoopbackRegistry(host), host).toBe(true);
    }
    for (const host of ["10.0.0.1:5000", "registry.local", "docker.io", "127.0.0.1.nip.io"]) {
      expect(isLoopbackRegistry(host), host).toBe(false);
    }
  });
});
