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
    const child = spawn(process.execPath, [main, "serve", "--port", "0", "--host", "127.0.0.1"], {
      env: { ...process.env, VIGIL_DATA_DIR: join(work, "data"), DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
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
