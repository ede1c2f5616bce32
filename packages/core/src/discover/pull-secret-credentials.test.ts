import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { findCredentials } from "../registry/docker-config.js";
import type { KubeSecret } from "./kubernetes-objects.js";
import { createPullSecretCredentials, readPullSecret } from "./pull-secret-credentials.js";
import { readTestdata } from "./test-support/fixtures.js";
import {
  createInMemoryKubernetesReader,
  forbidden,
  unauthorized,
} from "./test-support/in-memory-kubernetes-reader.js";
import { mutableCopy } from "./test-support/mutable.js";

const fixture = (name: string) =>
  readTestdata<KubeSecret>(`trivy-operator/pkg/kube/testdata/fixture/${name}`);
// `regcred`: {"auths":{"quay.io":{"auth":base64("user:Admin12345")}}}
const regcred = fixture("secret_same_domain.json");
// `myregistrykey`: {"auths":{"quay.io":{"auth":base64("root:s3cret")}}}
const myregistrykey = fixture("sa_secret_same_domain.json");
// Also named `regcred`, with data that is not base64 (a damaged copy of a real secret).
const damaged = fixture("secret.json");
const opaque = readTestdata<KubeSecret>("k9s/internal/render/testdata/sec.json");
// The same auths as kubernetes' hack/testdata/dockerconfig.json, written as a legacy .dockercfg.
const dockerconfig = readTestdata<{ auths: Record<string, unknown> }>(
  "kubernetes/hack/testdata/dockerconfig.json",
);
const legacy: KubeSecret = {
  metadata: { namespace: "default", name: "legacy" },
  type: "kubernetes.io/dockercfg",
  data: { ".dockercfg": Buffer.from(JSON.stringify(dockerconfig.auths)).toString("base64") },
};
const b64 = (text: string) => Buffer.from(text).toString("base64");

/** Passwords and encoded credentials of the secrets above and below (none may leak). */
const SECRET_PATTERNS = [
  "Admin12345",
  "s3cret",
  "hunter2-very-secret",
  b64("user:Admin12345"),
  b64("root:s3cret"),
  "AKCp8mZHqKMdvyKJFr", // a fragment of the damaged secret's data
  "dXNlcjpBZG1pbjEyMzQ1",
];

const ref = (name: string) => ({ namespace: "default", name });

describe("pull secret credentials", () => {
  let consoleSpies: MockInstance[] = [];
  beforeEach(() => {
    consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => {}),
    );
  });
  afterEach(() => {
    for (const spy of consoleSpies) {
      expect(spy).not.toHaveBeenCalled(); // never logged
      spy.mockRestore();
    }
  });

  it("decodes a dockerconfigjson secret", async () => {
    const creds = createPullSecretCredentials({
      reader: createInMemoryKubernetesReader({ secrets: [regcred] }),
    });
    const { config, issues } = await creds.credentialsFor({ pullSecrets: [ref("regcred")] });
    expect(issues).toEqual([]);
    expect(config?.source).toBe("pull secrets default/regcred");
    expect(findCredentials(config!, "quay.io")).toEqual({ username: "user", password: "Admin12345" });
  });

  it("decodes a legacy dockercfg secret (no auths wrapper)", async () => {
    const creds = createPullSecretCredentials({
      reader: createInMemoryKubernetesReader({ secrets: [legacy] }),
    });
    const { config } = await creds.credentialsFor({ pullSecrets: [ref("legacy")] });
    expect(findCredentials(config!, "foo.example.com")).toEqual({ username: "foo", password: "bar" });
    expect(findCredentials(config!, "bar.example.com")).toEqual({ username: "bar", password: "baz" });
  });

  it("merges a pod's secrets in order: the first that has a registry wins, like the kubelet", async () => {
    const creds = createPullSecretCredentials({
      reader: createInMemoryKubernetesReader({ secrets: [regcred, myregistrykey, legacy] }),
    });
    const first = await creds.credentialsFor({
      pullSecrets: [ref("regcred"), ref("myregistrykey"), ref("legacy")],
    });
    expect(findCredentials(first.config!, "quay.io")?.username).toBe("user");
    expect(findCredentials(first.config!, "foo.example.com")?.username).toBe("foo");
    expect(first.config!.source).toBe("pull secrets default/regcred, default/myregistrykey, default/legacy");
    const swapped = await creds.credentialsFor({ pullSecrets: [ref("myregistrykey"), ref("regcred")] });
    expect(findCredentials(swapped.config!, "quay.io")?.username).toBe("root");
  });

  it("reads each secret once with get, however many containers name it", async () => {
    const reader = createInMemoryKubernetesReader({ secrets: [regcred] });
    const creds = createPullSecretCredentials({ reader });
    await Promise.all([1, 2, 3].map(() => creds.credentialsFor({ pullSecrets: [ref("regcred")] })));
    expect(reader.calls).toEqual([{ method: "getSecret", namespace: "default", name: "regcred" }]);
  });

  it("has no credentials for a container without pull secrets", async () => {
    const creds = createPullSecretCredentials({ reader: createInMemoryKubernetesReader({}) });
    expect(await creds.credentialsFor({ pullSecrets: [] })).toEqual({ issues: [] });
  });

  it("goes on anonymously past missing, forbidden, malformed and wrong-type secrets, naming each", async () => {
    const notJson = {
      metadata: { namespace: "default", name: "not-json" },
      type: "kubernetes.io/dockerconfigjson",
      // V8's JSON.parse error quotes this text (`Unexpected token 'h', "hunter2-very-secret" is
      // not valid JSON`); the issue must not.
      data: { ".dockerconfigjson": b64("hunter2-very-secret") },
    };
    const badAuth = {
      metadata: { namespace: "default", name: "bad-auth" },
      type: "kubernetes.io/dockerconfigjson",
      data: {
        ".dockerconfigjson": b64(
          JSON.stringify({ auths: { "quay.io": { auth: b64("hunter2-very-secret") } } }),
        ),
      },
    };
    const noKey = mutableCopy(regcred);
    noKey.metadata.name = "no-key";
    noKey.data = { ".dockercfg": noKey.data![".dockerconfigjson"]! };
    const reader = createInMemoryKubernetesReader({
      secrets: [damaged, notJson, badAuth, noKey, opaque, myregistrykey],
      fail: (call) =>
        call.method === "getSecret" && call.name === "myregistrykey" ? forbidden(call) : undefined,
    });
    const creds = createPullSecretCredentials({ reader });
    const { config, issues } = await creds.credentialsFor({
      pullSecrets: ["regcred", "not-json", "bad-auth", "no-key", "s1", "myregistrykey", "gone"].map(ref),
    });
    expect(config).toBeUndefined();
    expect(issues.map((i) => [i.subject.name, i.code, i.severity])).toEqual([
      ["regcred", "pull-secret-malformed", "warning"],
      ["not-json", "pull-secret-malformed", "warning"],
      ["bad-auth", "pull-secret-malformed", "warning"],
      ["no-key", "pull-secret-malformed", "warning"],
      ["s1", "pull-secret-wrong-type", "warning"],
      ["myregistrykey", "pull-secret-unreadable", "warning"],
      ["gone", "pull-secret-missing", "warning"],
    ]);
    expect(issues.map((i) => i.message)).toEqual([
      "Secret default/regcred: its .dockerconfigjson is not base64; it is ignored.",
      "Cannot use registry credentials from Secret default/not-json: it is not valid JSON. It is ignored.",
      'Cannot use registry credentials from Secret default/bad-auth: the "auth" of "quay.io" is not base64 of "user:password"; run docker login again. It is ignored.',
      "Secret default/no-key (type kubernetes.io/dockerconfigjson) has no .dockerconfigjson data; it is ignored.",
      'Secret default/s1 is named in imagePullSecrets but has type "Opaque"; the kubelet uses only kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg secrets there, so it is ignored.',
      'Cannot get Secret default/myregistrykey (403 Forbidden: secrets "myregistrykey" is forbidden: User "system:serviceaccount:vigil:vigil-agent" cannot get resource "secrets" in API group "" in the namespace "default"); images are pulled without it. Grant get on the pull secrets (the ClusterRole in deploy/rbac.yaml) to use them.',
      'Secret default/gone is named in imagePullSecrets but does not exist (404 NotFound: secrets "gone" not found); images are pulled without it.',
    ]);
    expect(issues[0]!.location).toEqual({ record: "Secret default/regcred" });
    // The issues, serialized whole, hold no credential or secret data.
    const text = JSON.stringify(issues);
    for (const value of SECRET_PATTERNS) expect(text).not.toContain(value);
  });

  it("keeps secret content out of every issue and error, including parser errors and thrown errors", async () => {
    // readPullSecret on every fixture secret: only issue text and configs come out.
    for (const secret of [regcred, myregistrykey, damaged, legacy, opaque]) {
      const reading = readPullSecret(secret, ref(secret.metadata.name!));
      if (reading.issue)
        for (const value of SECRET_PATTERNS) expect(reading.issue.message).not.toContain(value);
    }
    // A fatal error (401) is thrown as the reader's error, which carries no secret data.
    const creds = createPullSecretCredentials({
      reader: createInMemoryKubernetesReader({ secrets: [regcred], fail: (call) => unauthorized(call) }),
    });
    const error = await creds.credentialsFor({ pullSecrets: [ref("regcred")] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401 });
    const serialized = `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause ?? "")}`;
    for (const value of SECRET_PATTERNS) expect(serialized).not.toContain(value);
  });

  it("drops credential helpers of a secret: the kubelet never runs them", () => {
    const withHelpers: KubeSecret = {
      metadata: { namespace: "default", name: "helpers" },
      type: "kubernetes.io/dockerconfigjson",
      data: {
        ".dockerconfigjson": b64(
          JSON.stringify({ auths: { "quay.io": { auth: b64("u:p") } }, credHelpers: { "gcr.io": "gcloud" } }),
        ),
      },
    };
    const reading = readPullSecret(withHelpers, ref("helpers"));
    expect(reading.config?.helperRegistries).toEqual([]);
    expect(reading.config?.credsStore).toBeUndefined();
  });
});
