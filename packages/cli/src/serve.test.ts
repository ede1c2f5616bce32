import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// `vigil serve` as `npm start` runs it: the built bin, the embedded SQLite default.
const main = join(import.meta.dirname, "../dist/main.js");
const work = mkdtempSync(join(tmpdir(), "vigil-cli-serve-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the CLI to its end: exit code, stdout, stderr. */
async function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin.end(stdin ?? "");
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stdout, stderr };
}

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
    expect(stderr).toContain("no users yet: run `vigil admin create-owner");
    const health = await fetch(`${url}/api/v1/health`);
    expect(await health.json()).toMatchObject({ status: "ok", database: "sqlite" });
    const anonymous = await fetch(`${url}/api/v1/clusters`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { message: string } }).error.message).toContain(
      "vigil admin create-owner",
    );

    // the first owner, beside the running server, with a token for this test
    const env = { VIGIL_DATA_DIR: join(work, "data"), DATABASE_URL: "" };
    const owner = await runCli(
      ["admin", "create-owner", "--email", "root@example.test", "--password-stdin", "--token", "test"],
      env,
      "a long enough password\n",
    );
    expect(owner.stderr).toContain("root@example.test is the new owner");
    expect(owner.code).toBe(0);
    const token = owner.stdout.trim();
    expect(token).toMatch(/^vigil_pat_[\w-]{43}$/);
    const clusters = await fetch(`${url}/api/v1/clusters`, { headers: { Authorization: `Bearer ${token}` } });
    expect(clusters.status).toBe(200);
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "root@example.test", password: "a long enough password" }),
    });
    expect(login.status).toBe(200);

    const again = await runCli(
      ["admin", "create-owner", "--email", "two@example.test", "--password-stdin"],
      env,
      "another long password\n",
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("this server has an owner already");
    expect(again.stderr).toContain("--force");
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
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
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

describe("vigil serve --scan-time-limit", () => {
  it("refuses a value that is not a duration before opening anything", async () => {
    const dataDir = join(work, "data-limit");
    const child = spawn(process.execPath, [main, "serve", "--port", "0", "--scan-time-limit", "2 days"], {
      env: { ...process.env, VIGIL_DATA_DIR: dataDir, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(2);
    expect(stderr).toContain(
      '--scan-time-limit must be a positive duration such as 45s, 90m or 2h, not "2 days"',
    );
    const { existsSync } = await import("node:fs");
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe("vigil admin create-owner", () => {
  it("needs an email, and a password from stdin when stdin is not a terminal", async () => {
    const env = { VIGIL_DATA_DIR: join(work, "data4"), DATABASE_URL: "" };
    const noEmail = await runCli(["admin", "create-owner"], env);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toContain("--email is required");
    const noPassword = await runCli(["admin", "create-owner", "--email", "a@example.test"], env);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain("no password: stdin is not a terminal");
    const short = await runCli(
      ["admin", "create-owner", "--email", "a@example.test", "--password-stdin"],
      env,
      "short\n",
    );
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("shorter than 12 characters");
    const help = await runCli(["--help"], env);
    expect(help.stdout).toContain("admin create-owner");
  });
});

describe("vigil admin create-owner on PostgreSQL (DATABASE_URL)", () => {
  it("creates the owner in the database DATABASE_URL names, and refuses a second", async () => {
    const { createDatabase, createUserRepository } = await import("@vigil/server");
    const base = process.env.VIGIL_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
    const schema = `vigil_cli_owner_${process.pid}`;
    const admin = createDatabase({ url: base });
    await admin.db.schema.dropSchema(schema).ifExists().cascade().execute();
    await admin.db.schema.createSchema(schema).execute();
    const url = new URL(base);
    url.searchParams.set("options", `-c search_path=${schema}`);
    try {
      const env = { DATABASE_URL: url.toString(), VIGIL_DATA_DIR: join(work, "unused") };
      const args = [
        "admin",
        "create-owner",
        "--email",
        "pg@example.test",
        "--name",
        "PG",
        "--password-stdin",
      ];
      const first = await runCli(args, env, "a long enough password\n");
      expect(first.stderr).toContain("pg@example.test is the new owner");
      expect(first.code).toBe(0);
      const second = await runCli(args, env, "a long enough password\n");
      expect(second.code).toBe(2);
      expect(second.stderr).toContain("has an owner already");
      const database = createDatabase({ url: url.toString() });
      try {
        expect(await createUserRepository(database.db).list()).toEqual([
          expect.objectContaining({ email: "pg@example.test", name: "PG", role: "owner", hasPassword: true }),
        ]);
      } finally {
        await database.close();
      }
    } finally {
      await admin.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await admin.close();
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
