/**
 * deploy/agent.yaml (a link to deploy/kustomize/agent/agent.yaml) runs `vigil agent` with the
 * least it needs: the read-only rules of deploy/rbac.yaml (no write verb), a non-root container
 * with a read-only root filesystem, no capabilities, no privilege escalation, the RuntimeDefault
 * seccomp profile, no host access, requests and limits, the token from a mounted Secret, and
 * emptyDir volumes for the spool and the cache.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects, checked field by field below
type KubeObject = Record<string, any>;

function load(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(join(import.meta.dirname, file), "utf8")).map((document) => {
    if (document.errors.length > 0) throw new Error(`deploy/${file}: ${document.errors[0]!.message}`);
    return document.toJS() as KubeObject;
  });
}

const objects = load("agent.yaml");
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const deployment = byKind("Deployment")[0]!;
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

describe("deploy/agent.yaml", () => {
  it("holds the namespace, service account, read-only role and binding, token Secret and Deployment", () => {
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`)).toEqual([
      "Namespace /vigil-agent",
      "ServiceAccount vigil-agent/vigil-agent",
      "ClusterRole /vigil-agent-reader",
      "ClusterRoleBinding /vigil-agent-reader",
      "Secret vigil-agent/vigil-agent-token",
      "Deployment vigil-agent/vigil-agent",
    ]);
    const binding = byKind("ClusterRoleBinding")[0]!;
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "vigil-agent-reader",
    });
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: "vigil-agent", namespace: "vigil-agent" },
    ]);
    expect(pod.serviceAccountName).toBe("vigil-agent");
  });

  it("grants exactly deploy/rbac.yaml's read-only rules, so no write verb", () => {
    const reader = load("rbac.yaml").find((o) => o.kind === "ClusterRole")!;
    const rules = byKind("ClusterRole")[0]!.rules;
    expect(rules).toEqual(reader.rules);
    const verbs = rules.flatMap((rule: { verbs: string[] }) => rule.verbs);
    expect(verbs.filter((v: string) => !["get", "list", "watch"].includes(v))).toEqual([]);
  });

  it("runs as non-root with a read-only root filesystem, no capabilities, no escalation and RuntimeDefault seccomp", () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext.capabilities.add).toBeUndefined();
    expect(pod.containers).toHaveLength(1);
    expect(pod.initContainers).toBeUndefined();
  });

  it("has no host access: no host network, PID, IPC, ports or paths; only emptyDir and the token Secret", () => {
    for (const key of ["hostNetwork", "hostPID", "hostIPC"]) expect(pod[key] ?? false).toBe(false);
    expect(container.ports).toBeUndefined();
    for (const volume of pod.volumes) {
      const kinds = Object.keys(volume).filter((k) => k !== "name");
      expect(kinds, volume.name).toHaveLength(1);
      expect(["emptyDir", "secret"], volume.name).toContain(kinds[0]);
    }
  });

  it("sets requests and limits for CPU and memory, and bounds every emptyDir", () => {
    for (const part of ["requests", "limits"]) {
      expect(container.resources[part].cpu, part).toBeTruthy();
      expect(container.resources[part].memory, part).toBeTruthy();
    }
    for (const volume of pod.volumes.filter((v: KubeObject) => v.emptyDir)) {
      expect(volume.emptyDir.sizeLimit, volume.name).toBeTruthy();
    }
  });

  it("reads the token from the mounted Secret, and spools and caches on emptyDir volumes", () => {
    const args: string[] = container.args;
    expect(args[0]).toBe("agent");
    const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    const mountOf = (path: string) =>
      container.volumeMounts.find(
        (m: KubeObject) => path === m.mountPath || path.startsWith(`${m.mountPath}/`),
      );
    const volumeOf = (path: string) => pod.volumes.find((v: KubeObject) => v.name === mountOf(path)?.name);

    // the token is a file from the Secret, never an argument or a literal environment value
    expect(args.some((a) => a.includes("vigil_agt_") || a.startsWith("--token="))).toBe(false);
    expect(JSON.stringify(container.env ?? [])).not.toContain("vigil_agt_");
    const tokenFile = option("token-file")!;
    expect(volumeOf(tokenFile)?.secret?.secretName).toBe("vigil-agent-token");
    expect(mountOf(tokenFile).readOnly).toBe(true);
    const secret = byKind("Secret")[0]!;
    expect(secret.metadata.name).toBe("vigil-agent-token");
    expect(Object.keys(secret.stringData ?? secret.data)).toEqual([tokenFile.split("/").at(-1)]);

    expect(volumeOf(option("spool-dir")!)?.emptyDir).toBeDefined();
    expect(volumeOf(option("cache-dir")!)?.emptyDir).toBeDefined();
    expect(option("server")).toMatch(/^https:\/\//);
    // with a read-only root filesystem, HOME and /tmp must be writable volumes
    expect(volumeOf("/tmp")?.emptyDir).toBeDefined();
    expect(container.env).toContainEqual({ name: "HOME", value: "/tmp" });
  });

  it("bounds what it asks of registries: concurrency and bandwidth per host, values the agent accepts", async () => {
    const { parseByteRate } = await import("@vigil/core");
    const args: string[] = container.args;
    const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    const perHost = Number(option("registry-concurrency"));
    expect(perHost).toBeGreaterThanOrEqual(1);
    expect(perHost).toBeLessThanOrEqual(4);
    // at most 20 MiB/s per registry host, parsed as the agent parses it
    expect(parseByteRate(option("registry-bandwidth")!)).toBeLessThanOrEqual(20 * 1024 ** 2);
    expect(Number(option("concurrency"))).toBeLessThanOrEqual(2);
  });
});
