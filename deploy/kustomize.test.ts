/**
 * deploy/kustomize/: every kustomization renders with the real `kubectl kustomize`, and what it
 * renders runs with the least it needs: non-root containers with a read-only root filesystem, no
 * privilege escalation, no capabilities, requests and limits, no host access, ClusterRoles
 * without a write verb, DATABASE_URL from a Secret, and probes on a route that the built server
 * answers without signing in.
 *
 * Not checked here: validation against a real API server's schemas (`kubectl apply
 * --dry-run=client` needs the discovery and OpenAPI documents of a cluster, which the test API
 * server does not serve for apps/v1 and storage kinds).
 */
import { execFile } from "node:child_process";
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  servingUrl,
  startVigilProcess,
  type VigilProcess,
} from "../packages/cli/src/test-support/vigil-process.js";

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects, checked field by field below
type KubeObject = Record<string, any>;

const execFileAsync = promisify(execFile);
const here = import.meta.dirname;
const version = (
  JSON.parse(readFileSync(join(here, "../packages/cli/package.json"), "utf8")) as { version: string }
).version;
const VIGIL_IMAGE = `registry.example.com/vigil:${version}`;

/** Every kustomization under deploy/kustomize, as a user applies it. */
const KUSTOMIZATIONS = ["rbac", "server", "postgres", "worker", "agent", "overlays/server-with-postgres"];
const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];
/** The only verbs a Vigil ClusterRole may grant. */
const READ_VERBS = ["get", "list", "watch"];

const rendered = new Map<string, KubeObject[]>();

async function render(dir: string): Promise<KubeObject[]> {
  const { stdout } = await execFileAsync("kubectl", ["kustomize", join(here, "kustomize", dir)], {
    maxBuffer: 1 << 24,
  });
  return parseAllDocuments(stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(`${dir}: ${document.errors[0]!.message}`);
    return document.toJS() as KubeObject;
  });
}

beforeAll(async () => {
  for (const dir of KUSTOMIZATIONS) rendered.set(dir, await render(dir));
});

const objectsOf = (dir: string) => rendered.get(dir)!;
const workloadsOf = (dir: string) => objectsOf(dir).filter((o) => WORKLOAD_KINDS.includes(o.kind));
const podOf = (workload: KubeObject) => workload.spec.template.spec;
const containersOf = (workload: KubeObject): KubeObject[] => [
  ...(podOf(workload).initContainers ?? []),
  ...podOf(workload).containers,
];
const named = (o: KubeObject) => `${o.kind} ${o.metadata.name}`;
const find = (dir: string, kind: string, name: string) =>
  objectsOf(dir).find((o) => o.kind === kind && o.metadata.name === name);

describe.each(KUSTOMIZATIONS)("deploy/kustomize/%s", (dir) => {
  it("runs every container as non-root with a read-only root filesystem, no escalation and no capabilities", () => {
    for (const workload of workloadsOf(dir)) {
      const pod = podOf(workload);
      expect(pod.securityContext, named(workload)).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(pod.securityContext.runAsUser, named(workload)).toBeGreaterThan(0);
      for (const container of containersOf(workload)) {
        const where = `${named(workload)} ${container.name}`;
        expect(container.securityContext, where).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(container.securityContext.privileged ?? false, where).toBe(false);
        expect(container.securityContext.capabilities.add, where).toBeUndefined();
        expect(container.securityContext.runAsUser ?? pod.securityContext.runAsUser, where).not.toBe(0);
      }
    }
  });

  it("sets CPU and memory requests and limits on every container, and bounds every emptyDir", () => {
    for (const workload of workloadsOf(dir)) {
      for (const container of containersOf(workload)) {
        for (const part of ["requests", "limits"]) {
          const where = `${named(workload)} ${container.name} ${part}`;
          expect(container.resources?.[part]?.cpu, where).toBeTruthy();
          expect(container.resources?.[part]?.memory, where).toBeTruthy();
        }
      }
      for (const volume of podOf(workload).volumes ?? []) {
        if (volume.emptyDir)
          expect(volume.emptyDir.sizeLimit, `${named(workload)} ${volume.name}`).toBeTruthy();
      }
    }
  });

  it("has no host network, PID, IPC, ports or paths", () => {
    for (const workload of workloadsOf(dir)) {
      const pod = podOf(workload);
      for (const key of ["hostNetwork", "hostPID", "hostIPC"])
        expect(pod[key] ?? false, named(workload)).toBe(false);
      expect((pod.volumes ?? []).filter((v: KubeObject) => v.hostPath)).toEqual([]);
      for (const container of containersOf(workload)) {
        expect((container.ports ?? []).filter((p: KubeObject) => p.hostPort)).toEqual([]);
      }
    }
  });

  it("grants no write verb and no wildcard in its ClusterRoles and Roles", () => {
    for (const role of objectsOf(dir).filter((o) => o.kind === "ClusterRole" || o.kind === "Role")) {
      for (const rule of role.rules) {
        expect(
          rule.verbs.filter((v: string) => !READ_VERBS.includes(v)),
          named(role),
        ).toEqual([]);
        expect([...(rule.apiGroups ?? []), ...(rule.resources ?? [])], named(role)).not.toContain("*");
      }
      expect(role.aggregationRule, named(role)).toBeUndefined();
    }
  });

  it("runs Vigil from the kustomization's images entry, tagged with the CLI's version", () => {
    const images = workloadsOf(dir).flatMap((w) => containersOf(w).map((c) => c.image as string));
    for (const image of images.filter((i) => i.includes("vigil"))) expect(image).toBe(VIGIL_IMAGE);
  });
});

describe("deploy/kustomize", () => {
  it("keeps deploy/rbac.yaml and deploy/agent.yaml as links to the files the kustomizations use", () => {
    for (const [link, target] of [
      ["rbac.yaml", "kustomize/rbac/rbac.yaml"],
      ["agent.yaml", "kustomize/agent/agent.yaml"],
    ] as const) {
      expect(lstatSync(join(here, link)).isSymbolicLink(), link).toBe(true);
      expect(readlinkSync(join(here, link)), link).toBe(target);
    }
  });

  it("gives the server and the worker deploy/rbac.yaml's account and its read-only ClusterRole", () => {
    const rbac = parseAllDocuments(readFileSync(join(here, "rbac.yaml"), "utf8")).map((d) => d.toJS());
    const reader = rbac.find((o: KubeObject) => o.kind === "ClusterRole");
    const server = objectsOf("server");
    expect(find("server", "ClusterRole", "vigil-reader")?.rules).toEqual(reader.rules);
    expect(server.filter((o) => o.kind === "ServiceAccount").map((o) => o.metadata.name)).toEqual(["vigil"]);
    for (const dir of ["server", "worker"]) {
      for (const workload of workloadsOf(dir)) expect(podOf(workload).serviceAccountName).toBe("vigil");
    }
  });

  it("renders the agent kustomization as deploy/agent.yaml, with the image from its images entry", () => {
    const file = parseAllDocuments(readFileSync(join(here, "agent.yaml"), "utf8")).map((d) => d.toJS());
    const agent = objectsOf("agent");
    expect(agent.map(named)).toEqual(file.map(named));
    const deployment = agent.find((o) => o.kind === "Deployment")!;
    expect(deployment.spec.template.spec.containers[0].image).toBe(VIGIL_IMAGE);
    expect(find("agent", "Namespace", "vigil-agent")?.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
    });
  });

  it("in server-with-postgres, reads DATABASE_URL from a Secret that points at the PostgreSQL it deploys", () => {
    const dir = "overlays/server-with-postgres";
    const objects = objectsOf(dir);
    const secretValue = (name: string, key: string) => {
      const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === name);
      expect(secret, `Secret ${name}`).toBeDefined();
      return Buffer.from(secret!.data[key], "base64").toString("utf8");
    };
    for (const name of ["vigil", "vigil-worker"]) {
      const container = find(dir, "Deployment", name)!.spec.template.spec.containers[0];
      const env = container.env.find((e: KubeObject) => e.name === "DATABASE_URL");
      expect(env.value, name).toBeUndefined();
      expect(env.valueFrom.secretKeyRef.key).toBe("DATABASE_URL");
      const url = new URL(secretValue(env.valueFrom.secretKeyRef.name, "DATABASE_URL"));
      const postgres = find(dir, "StatefulSet", "vigil-postgres")!.spec.template.spec.containers[0];
      const envOf = (key: string) => postgres.env.find((e: KubeObject) => e.name === key);
      const service = find(dir, "Service", url.hostname);
      expect(service?.spec.selector).toEqual(
        find(dir, "StatefulSet", "vigil-postgres")!.spec.template.metadata.labels,
      );
      expect(service!.spec.ports.map((p: KubeObject) => String(p.port))).toContain(url.port);
      expect(url.username).toBe(envOf("POSTGRES_USER").value);
      expect(url.pathname).toBe(`/${envOf("POSTGRES_DB").value}`);
      const passwordRef = envOf("POSTGRES_PASSWORD").valueFrom.secretKeyRef;
      expect(decodeURIComponent(url.password)).toBe(secretValue(passwordRef.name, passwordRef.key));
    }
    // everything namespaced lands in vigil, the account's binding included
    for (const o of objects.filter((o) => !["ClusterRole", "ClusterRoleBinding"].includes(o.kind))) {
      expect(o.metadata.namespace, named(o)).toBe("vigil");
    }
    expect(find(dir, "ClusterRoleBinding", "vigil-reader")!.subjects).toEqual([
      { kind: "ServiceAccount", name: "vigil", namespace: "vigil" },
    ]);
  });

  describe("the server's probes", () => {
    const work = mkdtempSync(join(tmpdir(), "vigil-kustomize-"));
    let server: VigilProcess | undefined;
    afterAll(async () => {
      if (server && server.child.exitCode === null) {
        server.child.kill("SIGTERM");
        await server.exited;
      }
      rmSync(work, { recursive: true, force: true });
    });

    it("ask the built server for routes it answers without signing in", async () => {
      const deployment = find("server", "Deployment", "vigil")!;
      const container = deployment.spec.template.spec.containers[0];
      const probes = ["startupProbe", "readinessProbe", "livenessProbe"].map((p) => container[p]);
      for (const probe of probes) {
        expect(probe?.httpGet?.port).toBe("http");
        expect(container.ports.find((p: KubeObject) => p.name === "http").containerPort).toBe(8080);
      }
      const service = find("server", "Service", "vigil")!;
      expect(service.spec.ports[0].targetPort).toBe("http");
      // the container's own arguments, on a free loopback port: `vigil serve` as built
      const args = (container.args as string[]).filter((a) => !a.startsWith("--port"));
      server = startVigilProcess(
        [...args, "--port=0", "--host=127.0.0.1", "--no-scans", "--no-advisory-update"],
        { VIGIL_DATA_DIR: join(work, "data"), DATABASE_URL: "", KUBECONFIG: "", HOME: work },
      );
      const url = await servingUrl(server);
      for (const probe of probes) {
        const res = await fetch(`${url}${probe.httpGet.path}`);
        expect(res.status, probe.httpGet.path).toBe(200);
        expect(await res.json()).toMatchObject({ status: "ok" });
      }
    });
  });
});
