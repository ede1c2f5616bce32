import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  defaultDockerConfigPath,
  findCredentials,
  normalizeRegistryKey,
  parseDockerConfig,
  readDockerConfig,
} from "./docker-config.js";
import { DockerConfigError } from "./errors.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

describe("docker config.json", () => {
  const config = parseDockerConfig(
    JSON.stringify({
      auths: {
        "https://index.docker.io/v1/": { auth: b64("hubuser:hub:pass") },
        "127.0.0.1:5001": { auth: b64("bench:benchpass"), email: "x@y" },
        "https://registry.example.com": { username: "u", password: "p" },
        "quay.io/org": { auth: b64("orguser:orgpass") },
        "quay.io": { auth: b64("quser:qpass") },
        "gcr.io": { identitytoken: "refresh-me" },
        "token.example": { registrytoken: "bearer-token" },
        "empty.example": {},
      },
      credHelpers: { "123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login" },
    }),
    "test config",
  );

  it("decodes base64 auth (password may contain ':') and username/password", () => {
    expect(findCredentials(config, "docker.io")).toEqual({ username: "hubuser", password: "hub:pass" });
    expect(findCredentials(config, "127.0.0.1:5001")).toEqual({ username: "bench", password: "benchpass" });
    expect(findCredentials(config, "registry.example.com")).toEqual({ username: "u", password: "p" });
  });

  it("matches Docker Hub aliases and the most specific namespace key", () => {
    expect(findCredentials(config, "index.docker.io")?.username).toBe("hubuser");
    expect(findCredentials(config, "registry-1.docker.io")?.username).toBe("hubuser");
    expect(findCredentials(config, "quay.io", "org/app")?.username).toBe("orguser");
    expect(findCredentials(config, "quay.io", "other/app")?.username).toBe("quser");
    expect(findCredentials(config, "127.0.0.1:5000")).toBeUndefined();
    expect(findCredentials(config, "empty.example")).toBeUndefined();
  });

  it("keeps identity and registry tokens and records credential helpers", () => {
    expect(findCredentials(config, "gcr.io")).toEqual({ identityToken: "refresh-me" });
    expect(findCredentials(config, "token.example")).toEqual({ registryToken: "bearer-token" });
    expect(config.helperRegistries).toEqual(["123.dkr.ecr.us-east-1.amazonaws.com"]);
  });

  it("reads a legacy .dockercfg (bare auths map)", () => {
    const legacy = parseDockerConfig(JSON.stringify({ "https://index.docker.io/v1/": { auth: b64("a:b") } }));
    expect(findCredentials(legacy, "docker.io")).toEqual({ username: "a", password: "b" });
  });

  it("normalizes keys", () => {
    expect(normalizeRegistryKey("https://index.docker.io/v1/")).toBe("docker.io");
    expect(normalizeRegistryKey("http://Host:5000/v2/")).toBe("host:5000");
    expect(normalizeRegistryKey("quay.io/org/")).toBe("quay.io/org");
  });

  it("fails clearly on bad input", async () => {
    expect(() => parseDockerConfig("{nope", "bad.json")).toThrow(DockerConfigError);
    expect(() => parseDockerConfig("{nope", "bad.json")).toThrow(/bad\.json.*not valid JSON/);
    expect(() => parseDockerConfig(JSON.stringify({ auths: { h: { auth: b64("nocolon") } } }))).toThrow(
      /not base64 of "user:password"/,
    );
    await expect(readDockerConfig("/nonexistent/config.json")).rejects.toThrow(/cannot be read/);
  });

  it("reads a file and knows the default path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vigil-dc-"));
    const file = join(dir, "config.json");
    await writeFile(file, JSON.stringify({ auths: { "r.example": { auth: b64("x:y") } } }));
    const read = await readDockerConfig(file);
    expect(read.source).toBe(file);
    expect(findCredentials(read, "r.example")).toEqual({ username: "x", password: "y" });
    expect(defaultDockerConfigPath({ DOCKER_CONFIG: "/etc/d" }, "/home/u")).toBe("/etc/d/config.json");
    expect(defaultDockerConfigPath({}, "/home/u")).toBe("/home/u/.docker/config.json");
  });
});
