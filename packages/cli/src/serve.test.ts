import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// `vigil serve` as `npm start` runs it: the built bin, the embedded SQLite default.
const main = join(import.meta.dirname, "../dist/main.js");
const work = mkdtempSync(join(tmpdir(), "vigil-cli-serve-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("vigil serve", () => {
  it("serves the API on SQLite under the data directory and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [
        main,
        "serve",
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--no-advisory-update",
        "--webhook-hosts",
        "hooks.slack.com, *.internal.example",
      ],
      {
        // No kubeconfig on this machine's defaults: the server starts empty and says how to add one.
        env: {
          ...process.env,
          VIGIL_DATA_DIR: join(work, "data"),
          DATABASE_URL: "",
          KUBECONFIG: "",
          HOME: work,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 30 s: ${stderr}`)), 30_000);
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        const m = /serving (http:\/\/\S+) /.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    expect(stderr).toContain(join(work, "data", "vigil.db"));
    const health = await fetch(`${url}/api/v1/health`);
    expect(await health.json()).toMatchObject({ status: "ok", database: "sqlite" });
    const clusters = await fetch(`${url}/api/v1/clusters`);
    expect(clusters.status).toBe(200);
    const doc = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/findings",
        "/api/v1/scans",
        "/api/v1/policies",
        "/api/v1/clusters",
        "/api/v1/webhooks",
      ]),
    );
    // --webhook-hosts: a webhook elsewhere is refused, one on an allowed host is created
    const post = (hookUrl: string) =>
      fetch(`${url}/api/v1/webhooks`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: hookUrl, url: hookUrl, events: ["scan.failed"] }),
      });
    const refused = await post("https://attacker.example/x");
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(
      "not among the allowed webhook hosts (hooks.slack.com, *.internal.example)",
    );
    expect((await post("https://alerts.internal.example/vigil")).status).toBe(201);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("says which port is taken", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer().listen(0, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, [main, "serve", "--port", String(port), "--host", "127.0.0.1"], {
        env: { ...process.env, VIGIL_DATA_DIR: join(work, "data2"), DATABASE_URL: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code).toBe(2);
      expect(stderr).toContain(`port ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });
});

describe("vigil serve --policies", () => {
  it("refuses to start on a policy file with errors, naming the line", async () => {
    const { writeFileSync } = await import("node:fs");
    const file = join(work, "policies.yml");
    writeFileSync(
      file,
      "scan_execution_policy:\n  - name: broken\n    rules:\n      - type: schedule\n        cadence: 'every day'\n        clusters: [prod]\n    actions:\n      - scan: cluster_image_scanning\n",
    );
    const child = spawn(
      process.execPath,
      [main, "serve", "--port", "0", "--host", "127.0.0.1", "--no-scans", "--policies", file],
      {
        env: { ...process.env, VIGIL_DATA_DIR: join(work, "data3"), DATABASE_URL: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(2);
    expect(stderr).toContain(`${file} has 1 error:`);
    expect(stderr).toMatch(/policies\.yml:5:\d+: .*cadence/);
  });
});
