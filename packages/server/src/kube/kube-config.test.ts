import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultClusterId, KubeConfigError, listContexts, loadKubeConfig } from "./kube-config.js";

function kubeconfig(
  contexts: readonly { name: string; server: string; namespace?: string }[],
  current?: string,
): string {
  const lines = ["apiVersion: v1", "kind: Config", "clusters:"];
  for (const c of contexts) lines.push(`- name: ${c.name}`, "  cluster:", `    server: ${c.server}`);
  lines.push("contexts:");
  for (const c of contexts) {
    lines.push(
      `- name: ${JSON.stringify(c.name)}`,
      "  context:",
      `    cluster: ${c.name}`,
      `    user: ${c.name}`,
    );
    if (c.namespace) lines.push(`    namespace: ${c.namespace}`);
  }
  lines.push("users:");
  for (const c of contexts) lines.push(`- name: ${c.name}`, "  user:", "    token: t0k3n");
  if (current) lines.push(`current-context: ${JSON.stringify(current)}`);
  return `${lines.join("\n")}\n`;
}

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

const EKS = "arn:aws:eks:eu-west-1:123456789012:cluster/prod";

describe("kubeconfig loading", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-kubeconfig-"));
  const main = write(
    dir,
    "config",
    kubeconfig(
      [
        { name: "kind-dev", server: "https://127.0.0.1:6443" },
        { name: EKS, server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", namespace: "shop" },
      ],
      "kind-dev",
    ),
  );

  it("loads a file with its current context", () => {
    const loaded = loadKubeConfig({ kubeconfigPath: main });
    expect(loaded).toMatchObject({
      context: "kind-dev",
      server: "https://127.0.0.1:6443",
      clusterId: "kind-dev",
      source: main,
    });
    expect(loaded.kubeConfig.getCurrentContext()).toBe("kind-dev");
  });

  it("selects another context and derives the cluster id from its name", () => {
    const loaded = loadKubeConfig({ kubeconfigPath: main, context: EKS });
    expect(loaded.server).toBe("https://ABC.gr7.eu-west-1.eks.amazonaws.com");
    expect(loaded.clusterId).toBe("arn-aws-eks-eu-west-1-123456789012-cluster-prod");
    expect(loaded.kubeConfig.getCurrentContext()).toBe(EKS);
  });

  it("names the available contexts when the one asked for is missing", () => {
    expect(() => loadKubeConfig({ kubeconfigPath: main, context: "prod" })).toThrow(
      new KubeConfigError(`Context "prod" is not in the kubeconfig ${main}; it has: kind-dev, ${EKS}.`),
    );
  });

  it("says what to do when the file is missing or has no current context", () => {
    const missing = join(dir, "nope");
    expect(() => loadKubeConfig({ kubeconfigPath: missing })).toThrow(
      `Cannot read kubeconfig ${missing}: the file does not exist. Check the path (--kubeconfig or KUBECONFIG).`,
    );
    const noCurrent = write(dir, "no-current", kubeconfig([{ name: "a", server: "https://a:6443" }]));
    expect(() => loadKubeConfig({ kubeconfigPath: noCurrent })).toThrow(
      `The kubeconfig ${noCurrent} has no current context; choose one of: a.`,
    );
  });

  it("merges the files of KUBECONFIG: the first definition and the first current-context win", () => {
    const first = write(dir, "first", kubeconfig([{ name: "shared", server: "https://first:6443" }]));
    const second = write(
      dir,
      "second",
      kubeconfig(
        [
          { name: "shared", server: "https://second:6443" },
          { name: "other", server: "https://other:6443" },
        ],
        "shared",
      ),
    );
    const loaded = loadKubeConfig({ env: { KUBECONFIG: [first, second].join(delimiter) }, home: dir });
    expect(loaded).toMatchObject({ context: "shared", server: "https://first:6443" });
    expect(loaded.kubeConfig.getContexts().map((c) => c.name)).toEqual(["shared", "other"]);
  });

  it("falls back to ~/.kube/config, and fails clearly when there is nothing", () => {
    const home = mkdtempSync(join(tmpdir(), "vigil-home-"));
    expect(() => loadKubeConfig({ env: {}, home })).toThrow(/^No kubeconfig found: KUBECONFIG is not set/);
    const kube = join(home, ".kube");
    mkdirSync(kube);
    write(kube, "config", kubeconfig([{ name: "home", server: "https://home:6443" }], "home"));
    expect(loadKubeConfig({ env: {}, home }).context).toBe("home");
  });

  it("lists contexts with their cluster, namespace, server and cluster id", () => {
    expect(listContexts(main)).toEqual([
      {
        name: EKS,
        cluster: EKS,
        user: EKS,
        namespace: "shop",
        server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
        current: false,
        clusterId: "arn-aws-eks-eu-west-1-123456789012-cluster-prod",
      },
      {
        name: "kind-dev",
        cluster: "kind-dev",
        user: "kind-dev",
        server: "https://127.0.0.1:6443",
        current: true,
        clusterId: "kind-dev",
      },
    ]);
  });
});

describe("defaultClusterId", () => {
  it("keeps DNS-friendly names and rewrites the rest", () => {
    expect(defaultClusterId("kind-kind")).toBe("kind-kind");
    expect(defaultClusterId("gke_my-project_europe-west1_prod")).toBe("gke_my-project_europe-west1_prod");
    expect(defaultClusterId("admin@Prod Cluster")).toBe("admin-prod-cluster");
    expect(defaultClusterId("///")).toBe("cluster");
  });
});
