/**
 * templates/Cluster-Image-Scanning.gitlab-ci.yml: its structure as GitLab reads it, and both
 * jobs' scripts run for real, with their variables, in `sh` and `bash`: the cluster scan with
 * the built `vigil` against the test Kubernetes API server (granting exactly deploy/rbac.yaml's
 * ClusterRole) and the test registries, the upload with curl against a real `vigil serve`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  gitlabSchemaErrors,
  gitlabTestdata,
} from "../packages/core/src/report/gitlab/test-support/gitlab-schemas.js";
import { testEnv } from "../scripts/test-env/env.js";
import type { KubeApiRule } from "../scripts/test-env/kube-api/authorization.js";
import {
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../scripts/test-env/kube-api/kube-api-server.js";
import type { KubeObject } from "../scripts/test-env/kube-api/kube-object.js";
import {
  type GitlabCiJob,
  jobEnvironment,
  readGitlabCiTemplate,
  runJobScript,
} from "./test-support/gitlab-ci-job.js";

const root = join(import.meta.dirname, "..");
const vigilMain = join(root, "packages/cli/dist/main.js");
const template = readGitlabCiTemplate(join(import.meta.dirname, "Cluster-Image-Scanning.gitlab-ci.yml"));
const SCAN_JOB = "vigil_cluster_image_scanning";
const UPLOAD_JOB = "vigil_development_findings";
const jobOf = (name: string): GitlabCiJob => template.jobs[name]!;
const SHELLS = ["sh", "bash"] as const;

const work = mkdtempSync(join(tmpdir(), "vigil-gitlab-template-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A directory with `vigil` in it, as the job's image has it on PATH. */
function vigilOnPath(): string {
  const bin = join(work, "bin");
  mkdirSync(bin, { recursive: true });
  const vigil = join(bin, "vigil");
  writeFileSync(vigil, `#!/bin/sh\nexec '${process.execPath}' '${vigilMain}' "$@"\n`);
  chmodSync(vigil, 0o755);
  return `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`;
}

/** A fresh project directory, as a runner checks one out, and GitLab's predefined variables for it. */
function project(name: string): { dir: string; predefined: Record<string, string> } {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    predefined: {
      CI_PROJECT_DIR: dir,
      CI_PROJECT_PATH: "shop/web",
      CI_COMMIT_BRANCH: "feature/pay+1",
      CI_COMMIT_REF_NAME: "feature/pay+1",
      HOME: work,
    },
  };
}

describe("the template as GitLab reads it", () => {
  it("has the cluster scan and the upload, in the test stage", () => {
    expect(Object.keys(template.jobs).sort()).toEqual([SCAN_JOB, UPLOAD_JOB]);
    expect(jobOf(SCAN_JOB).stage).toBe("test");
    expect(jobOf(UPLOAD_JOB).stage).toBe("test");
    // the image's entrypoint would otherwise get the script as its arguments
    expect(jobOf(SCAN_JOB).image).toEqual({ name: "$VIGIL_IMAGE", entrypoint: [""] });
    expect(jobOf(UPLOAD_JOB).image).toEqual({ name: "$VIGIL_UPLOAD_IMAGE", entrypoint: [""] });
    expect(template.variables.VIGIL_IMAGE).toBeTruthy();
  });

  it("attaches the cluster scan as the cluster_image_scanning report, also when the job fails", () => {
    const artifacts = jobOf(SCAN_JOB).artifacts!;
    expect(artifacts.reports).toEqual({ cluster_image_scanning: "gl-cluster-image-scanning-report.json" });
    expect(artifacts.paths).toEqual(["gl-cluster-image-scanning-report.json"]);
    expect(artifacts.when).toBe("always");
    // exit 1 is "findings at or above the threshold": a warning; 2 (failed or partial) fails the job
    expect(jobOf(SCAN_JOB).allow_failure).toEqual({ exit_codes: [1] });
    expect(jobOf(SCAN_JOB).cache?.paths).toEqual([".vigil/", ".vigil-cache/"]);
  });

  it("uploads the report of GitLab's container_scanning job, which may be absent from the pipeline", () => {
    expect(jobOf(UPLOAD_JOB).needs).toEqual([{ job: "container_scanning", artifacts: true, optional: true }]);
    expect(jobOf(UPLOAD_JOB).variables?.VIGIL_CONTAINER_SCANNING_REPORT).toBe(
      "gl-container-scanning-report.json",
    );
  });

  it("runs each job only when its variables are set, and each can be turned off", () => {
    expect(jobOf(SCAN_JOB).rules).toEqual([
      { if: "$VIGIL_CLUSTER_IMAGE_SCANNING_DISABLED", when: "never" },
      { if: "$VIGIL_KUBECONFIG" },
    ]);
    expect(jobOf(UPLOAD_JOB).rules).toEqual([
      { if: "$VIGIL_DEVELOPMENT_FINDINGS_DISABLED", when: "never" },
      { if: "$CI_COMMIT_BRANCH && $VIGIL_URL && $VIGIL_API_TOKEN" },
    ]);
  });

  it("expands the job's variables from GitLab's predefined ones", () => {
    const env = jobEnvironment(template, SCAN_JOB, { CI_PROJECT_DIR: "/builds/shop/web" });
    expect(env.VIGIL_DATA_DIR).toBe("/builds/shop/web/.vigil");
    expect(env.VIGIL_CACHE_DIR).toBe("/builds/shop/web/.vigil-cache");
    expect(env.VIGIL_SEVERITY_THRESHOLD).toBe("high");
  });
});

/** deploy/rbac.yaml's ClusterRole as the test API server's rules, for every user. */
function rbacRules(): KubeApiRule[] {
  const objects = parseAllDocuments(readFileSync(join(root, "deploy/rbac.yaml"), "utf8")).map((d) =>
    d.toJS(),
  );
  const role = objects.find((o: { kind: string }) => o.kind === "ClusterRole") as {
    rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  };
  return role.rules.map((r) => ({
    user: "*",
    verbs: r.verbs,
    resources: r.resources,
    apiGroups: r.apiGroups,
  }));
}

describe(`${SCAN_JOB} against a cluster that grants deploy/rbac.yaml`, () => {
  const env = testEnv();
  const digestOf = (tag: string): string =>
    JSON.parse(readFileSync(join(env.expectedDir, `${tag}.json`), "utf8")).manifestDigest as string;
  let api: RunningKubeApiServer;
  let kubeconfig: string;
  let path: string;

  beforeAll(async () => {
    const auth = Buffer.from(`${env.registryUser}:${env.registryPassword}`).toString("base64");
    const dockerconfigjson = Buffer.from(
      JSON.stringify({ auths: { [env.authRegistry]: { auth } } }),
    ).toString("base64");
    const alpine = `${env.authRegistry}/vigil/alpine-3.11`;
    const pod = (namespace: string, name: string, image: string, digest: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace },
      spec: {
        imagePullSecrets: [{ name: "regcred" }],
        containers: [{ name: "app", image: `${image}:latest` }],
      },
      status: {
        phase: "Running",
        containerStatuses: [
          {
            name: "app",
            image: `${image}:latest`,
            imageID: `${image}@${digest}`,
            ready: true,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: "2024-05-01T08:00:00Z" } },
          },
        ],
      },
    });
    const regcred = (namespace: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "regcred", namespace },
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": dockerconfigjson },
    });
    api = await startKubeApiServer({
      objects: [
        regcred("shop"),
        regcred("batch"),
        regcred("kube-system"),
        pod("shop", "web", alpine, digestOf("alpine-3.11")),
        pod("batch", "report", alpine, digestOf("alpine-3.11")),
        pod("kube-system", "dns", alpine, digestOf("alpine-3.11")),
        // an image the registry does not have: its pull fails, so a scan of this namespace is partial
        pod("broken", "gone", `${env.registry}/vigil/deleted`, `sha256:${"0".repeat(64)}`),
      ],
      rules: rbacRules(),
    });
    kubeconfig = api.kubeconfig(join(work, "vigil.kubeconfig"), { context: "prod-eu" });
    path = vigilOnPath();
  });
  afterAll(async () => {
    await api?.close();
  });

  /** The job's environment: the project's CI/CD variables as a user sets them for this cluster. */
  const scanEnvironment = (predefined: Record<string, string>, extra: Record<string, string> = {}) =>
    jobEnvironment(template, SCAN_JOB, {
      ...predefined,
      PATH: path,
      // a File variable: GitLab writes the content to a file and sets the variable to its path
      VIGIL_KUBECONFIG: kubeconfig,
      VIGIL_NAMESPACES: "shop batch",
      // the runner cannot reach the advisory sources: import the test's Alpine secdb instead
      VIGIL_DB_IMPORT: join(root, "packages/cli/src/testdata/secdb"),
      // the test registry's certificate is signed by the test CA
      VIGIL_SCAN_ARGS: `--ca-file ${env.registryCaFile}`,
      ...extra,
    });

  it.each(SHELLS)(
    "scans the namespaces asked for, with the pods' pull secret, into a valid report (%s)",
    async (shell) => {
      const { dir, predefined } = project(`scan-${shell}`);
      const run = await runJobScript(jobOf(SCAN_JOB), {
        shell,
        cwd: dir,
        env: scanEnvironment(predefined),
      });
      const reportFile = join(dir, "gl-cluster-image-scanning-report.json");
      expect(existsSync(reportFile), run.stderr).toBe(true);
      const report = JSON.parse(readFileSync(reportFile, "utf8")) as {
        scan: { type: string; status: string };
        vulnerabilities: {
          severity: string;
          location: { kubernetes_resource: { namespace: string; cluster_id: string } };
        }[];
      };
      expect(gitlabSchemaErrors("cluster_image_scanning", report)).toEqual([]);
      expect(report.scan).toMatchObject({ type: "cluster_image_scanning", status: "success" });
      expect(report.vulnerabilities.length).toBeGreaterThan(0);
      const namespaces = new Set(report.vulnerabilities.map((v) => v.location.kubernetes_resource.namespace));
      expect([...namespaces].sort()).toEqual(["batch", "shop"]);
      expect(new Set(report.vulnerabilities.map((v) => v.location.kubernetes_resource.cluster_id))).toEqual(
        new Set(["prod-eu"]),
      );
      // the default threshold is high: exit 1 (allowed to fail) only for high or critical findings
      const atThreshold = report.vulnerabilities.some(
        (v) => v.severity === "High" || v.severity === "Critical",
      );
      expect(run.code, run.stderr).toBe(atThreshold ? 1 : 0);
      // the advisory database and the cache land where the job's cache keeps them
      expect(existsSync(join(dir, ".vigil", "vigil.db"))).toBe(true);
      expect(existsSync(join(dir, ".vigil-cache"))).toBe(true);
    },
  );

  it("ends with exit code 1, which the job allows, when findings reach the threshold", async () => {
    const { dir, predefined } = project("scan-threshold");
    const run = await runJobScript(jobOf(SCAN_JOB), {
      shell: "sh",
      cwd: dir,
      env: scanEnvironment(predefined, {
        VIGIL_SEVERITY_THRESHOLD: "unknown",
        VIGIL_CONTEXTS: "prod-eu",
      }),
    });
    expect(run.code, run.stderr).toBe(1);
    expect(existsSync(join(dir, "gl-cluster-image-scanning-report.json"))).toBe(true);
  });

  it("fails with exit code 2, its partial report still written, when an image cannot be pulled", async () => {
    const { dir, predefined } = project("scan-partial");
    const run = await runJobScript(jobOf(SCAN_JOB), {
      shell: "sh",
      cwd: dir,
      env: scanEnvironment(predefined, { VIGIL_NAMESPACES: "shop broken" }),
    });
    expect(run.code, run.stderr).toBe(2);
    const report = JSON.parse(readFileSync(join(dir, "gl-cluster-image-scanning-report.json"), "utf8"));
    expect(gitlabSchemaErrors("cluster_image_scanning", report)).toEqual([]);
    expect(run.stderr).toContain("the scan is partial");
  });

  it("fails, naming the option, on a threshold vigil does not know", async () => {
    const { dir, predefined } = project("scan-bad-threshold");
    const run = await runJobScript(jobOf(SCAN_JOB), {
      shell: "sh",
      cwd: dir,
      env: scanEnvironment(predefined, { VIGIL_SEVERITY_THRESHOLD: "severe" }),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown --severity-threshold "severe"');
  });
});

/** A `vigil serve` on SQLite in `dataDir`, on a free loopback port, and its URL. */
async function startServe(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [vigilMain, "serve", "--port", "0", "--host", "127.0.0.1", "--no-scans", "--no-ui"],
    {
      env: { ...process.env, VIGIL_DATA_DIR: dataDir, DATABASE_URL: "", KUBECONFIG: "", HOME: work },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`vigil serve printed no URL within 30 s: ${stderr}`)),
      30_000,
    );
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      const m = /serving (http:\/\/\S+) /.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("close", (code) => reject(new Error(`vigil serve exited ${code}: ${stderr}`)));
  });
  return { child, url };
}

/** Runs the built vigil to its end with `stdin`. */
function runVigil(args: readonly string[], env: Record<string, string>, stdin: string) {
  const child = spawn(process.execPath, [vigilMain, ...args], { env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin.end(stdin);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
}

describe(`${UPLOAD_JOB} against vigil serve`, () => {
  const dataDir = join(work, "serve-data");
  let server: { child: ChildProcess; url: string };
  let ownerToken: string;
  let developerToken: string;

  beforeAll(async () => {
    server = await startServe(dataDir);
    const owner = await runVigil(
      ["admin", "create-owner", "--email", "owner@example.test", "--password-stdin", "--token", "setup"],
      { VIGIL_DATA_DIR: dataDir, DATABASE_URL: "" },
      "the owner's long password\n",
    );
    expect(owner.code, owner.stderr).toBe(0);
    ownerToken = owner.stdout.trim();
    // CI's token belongs to a developer, the least role that may record development findings
    const created = await fetch(`${server.url}/api/v1/users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ownerToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        email: "ci@example.test",
        role: "developer",
        password: "the CI user's password",
      }),
    });
    expect(created.status).toBe(201);
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "ci@example.test", password: "the CI user's password" }),
    });
    expect(login.status).toBe(200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const token = await fetch(`${server.url}/api/v1/users/me/tokens`, {
      method: "POST",
      headers: { Cookie: cookie, "X-CSRF-Token": csrfToken, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "gitlab-ci" }),
    });
    expect(token.status).toBe(201);
    developerToken = ((await token.json()) as { token: string }).token;
  });
  afterAll(async () => {
    if (!server) return;
    const exited = new Promise((resolve) => server.child.on("close", resolve));
    server.child.kill("SIGTERM");
    await exited;
  });

  const uploadEnvironment = (predefined: Record<string, string>, extra: Record<string, string> = {}) =>
    jobEnvironment(template, UPLOAD_JOB, {
      ...predefined,
      // with a trailing slash, as people paste URLs
      VIGIL_URL: `${server.url}/`,
      VIGIL_API_TOKEN: developerToken,
      ...extra,
    });
  const findingsOf = async (query: string) => {
    const response = await fetch(`${server.url}/api/v1/findings?report_type=development&${query}`, {
      headers: { Authorization: `Bearer ${ownerToken}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: { project: string; branch: string; state: string }[] }).items;
  };

  it.each(SHELLS)(
    "records the container_scanning report as the development findings of the project and branch (%s)",
    async (shell) => {
      const { dir, predefined } = project(`upload-${shell}`);
      // the artifact the container_scanning job leaves: Vigil's own GitLab report golden (5 findings)
      copyFileSync(
        join(gitlabTestdata, "container-scanning.golden.json"),
        join(dir, "gl-container-scanning-report.json"),
      );
      const branch = `${predefined.CI_COMMIT_REF_NAME}/${shell}`;
      const run = await runJobScript(jobOf(UPLOAD_JOB), {
        shell,
        cwd: dir,
        env: uploadEnvironment({ ...predefined, CI_COMMIT_REF_NAME: branch }),
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe("");
      expect(JSON.parse(run.stdout)).toMatchObject({
        project: "shop/web",
        branch,
        findings: 5,
        changes: { created: 5 },
      });
      const items = await findingsOf(`project=shop%2Fweb&branch=${encodeURIComponent(branch)}`);
      expect(items).toHaveLength(5);
      expect(
        items.every((f) => f.project === "shop/web" && f.branch === branch && f.state === "detected"),
      ).toBe(true);
    },
  );

  it("fails, saying why, when the pipeline left no report", async () => {
    const { dir, predefined } = project("upload-missing");
    const run = await runJobScript(jobOf(UPLOAD_JOB), {
      shell: "sh",
      cwd: dir,
      env: uploadEnvironment(predefined),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no gl-container-scanning-report.json to send");
  });

  it("fails with the server's answer when the token is refused or the body is no report", async () => {
    const { dir, predefined } = project("upload-refused");
    copyFileSync(
      join(gitlabTestdata, "container-scanning.golden.json"),
      join(dir, "gl-container-scanning-report.json"),
    );
    const refused = await runJobScript(jobOf(UPLOAD_JOB), {
      shell: "sh",
      cwd: dir,
      env: uploadEnvironment(predefined, { VIGIL_API_TOKEN: "vigil_pat_revoked" }),
    });
    expect(refused.code).toBe(22); // curl --fail-with-body: HTTP status 400 or more
    expect(refused.stdout).toContain('"error"');

    writeFileSync(join(dir, "gl-container-scanning-report.json"), JSON.stringify({ version: "15.0.7" }));
    const malformed = await runJobScript(jobOf(UPLOAD_JOB), {
      shell: "sh",
      cwd: dir,
      env: uploadEnvironment(predefined),
    });
    expect(malformed.code).toBe(22);
    expect(malformed.stdout).toContain("not a GitLab container scanning report");
  });
});
