/**
 * Two clusters for the UI's tests: two test Kubernetes API servers (prod-eu runs alpine-3.10
 * in shop/web; staging-us runs alpine-3.11 in payments/api) behind one kubeconfig with a
 * context each, and advisories with severities, descriptions and references (one carrying
 * markup and a `javascript:` link, which the UI must show as text and not link).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OsvRecord } from "@vigil/core";
import { parse, stringify } from "yaml";
import { testEnv } from "../../../../scripts/test-env/env.js";
import {
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../../../../scripts/test-env/kube-api/kube-api-server.js";
import { osv } from "../../../server/src/db/test-support/sync-fixtures.js";
import {
  deploymentPod,
  digestOf,
  replicaSet,
  shopDeployment,
} from "../../../server/src/scans/test-support/cluster-fixtures.js";

/** The markup an advisory carries: the UI must print it, never parse it. */
export const HOSTILE_MARKUP = `<img src=x onerror="document.title='pwned'">`;

/** openssl in Alpine 3.10 and 3.11: critical, with a description holding markup. */
export const OPENSSL_ADVISORY: OsvRecord = osv("CVE-2099-0001", {
  summary: "openssl: buffer overflow in the TLS handshake",
  details: `A crafted handshake overflows a buffer. Advisory text is untrusted: ${HOSTILE_MARKUP}`,
  severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
  references: [
    { type: "ADVISORY", url: "https://security.alpinelinux.org/vuln/CVE-2099-0001" },
    { type: "WEB", url: "javascript:alert(1)" },
  ],
  affected: [
    ["Alpine:v3.10", "openssl", "1.1.1z-r0"],
    ["Alpine:v3.11", "openssl", "1.1.1z-r0"],
  ],
});

/** musl in Alpine 3.10 (fixed before 3.11's): medium. */
export const MUSL_ADVISORY: OsvRecord = osv("CVE-2099-0002", {
  summary: "musl: out-of-bounds read in iconv",
  severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L" }],
  affected: [
    ["Alpine:v3.10", "musl", "1.1.24-r0"],
    ["Alpine:v3.11", "musl", "1.1.24-r0"],
  ],
});

/** busybox in Alpine 3.11: high. */
export const BUSYBOX_ADVISORY: OsvRecord = osv("CVE-2099-0003", {
  summary: "busybox: command injection in udhcpc",
  severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N" }],
  affected: [["Alpine:v3.11", "busybox", "1.31.1-r10"]],
});

export const ADVISORIES: readonly OsvRecord[] = [OPENSSL_ADVISORY, MUSL_ADVISORY, BUSYBOX_ADVISORY];

/** The two API servers and the kubeconfig that reaches both. */
export interface TwoClusters {
  readonly kubeconfig: string;
  close(): Promise<void>;
}

/** Starts both clusters' API servers and writes one kubeconfig with contexts `prod-eu` and `staging-us`. */
export async function startTwoClusters(dir: string): Promise<TwoClusters> {
  const registry = testEnv().registry;
  const servers: RunningKubeApiServer[] = [
    await startKubeApiServer({ objects: shopDeployment() }),
    await startKubeApiServer({
      objects: [
        replicaSet("payments", "api"),
        deploymentPod({
          namespace: "payments",
          deployment: "api",
          pod: "api-5f6d8b7c9-q8w2n",
          repository: `${registry}/vigil/alpine-3.11`,
          digest: digestOf("alpine-3.11"),
        }),
      ],
    }),
  ];
  const configs = ["prod-eu", "staging-us"].map(
    (context, i) =>
      parse(
        readFileSync(servers[i]!.kubeconfig(join(dir, `kubeconfig-${context}`), { context }), "utf8"),
      ) as {
        clusters: unknown[];
        contexts: unknown[];
        users: unknown[];
      },
  );
  const merged = {
    apiVersion: "v1",
    kind: "Config",
    clusters: configs.flatMap((c) => c.clusters),
    contexts: configs.flatMap((c) => c.contexts),
    users: configs.flatMap((c) => c.users),
    "current-context": "prod-eu",
  };
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, stringify(merged), { mode: 0o600 });
  return {
    kubeconfig,
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
