/**
 * The built UI as `createHttpApp` serves it: files from memory with gzip, validators and cache
 * lifetimes by kind; the app's page for any UI path (a shared report URL); never for the API,
 * for a missing hashed asset, or for a path outside the folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { createHttpApp } from "../create-http-app.js";
import { createHttpMetrics } from "../http-metrics.js";
import { loadWebAppAssets } from "./web-app-assets.js";

const root = mkdtempSync(join(tmpdir(), "vigil-web-app-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const INDEX = '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>';
const SCRIPT = `console.log(${JSON.stringify("x".repeat(4000))});`;
mkdirSync(join(root, "dist", "assets"), { recursive: true });
writeFileSync(join(root, "dist", "index.html"), INDEX);
writeFileSync(join(root, "dist", "assets", "index-abc123.js"), SCRIPT);
writeFileSync(join(root, "secret.txt"), "outside the UI folder");

function app() {
  const webApp = loadWebAppAssets(join(root, "dist"));
  if (!webApp) throw new Error("not loaded");
  return createHttpApp({ routes: [], version: "test", metrics: createHttpMetrics(), webApp });
}

describe("serving the web UI", () => {
  const server = app();

  it("answers every UI path with the app's page, not cached, with the Content-Security-Policy", async () => {
    for (const path of ["/", "/report/operational?cluster=prod-eu&severity=critical", "/findings/f-1"]) {
      const response = await server.request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await response.text()).toBe(INDEX);
    }
  });

  it("serves hashed assets gzipped when asked, cached for a year, and 304 on a matching ETag", async () => {
    const plain = await server.request("/assets/index-abc123.js");
    expect(plain.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await plain.text()).toBe(SCRIPT);

    const gzipped = await server.request("/assets/index-abc123.js", {
      headers: { "Accept-Encoding": "gzip, br" },
    });
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    const body = Buffer.from(await gzipped.arrayBuffer());
    expect(body.length).toBeLessThan(SCRIPT.length / 10);
    expect(gunzipSync(body).toString()).toBe(SCRIPT);

    const etag = plain.headers.get("etag")!;
    const again = await server.request("/assets/index-abc123.js", { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("never answers API paths, missing assets or paths outside the folder with the page", async () => {
    const api = await server.request("/api/v1/nothing-here");
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({
      error: { status: 404, message: "no route for GET /api/v1/nothing-here" },
    });
    expect((await server.request("/assets/index-old999.js")).status).toBe(404);
    expect((await server.request("/favicon.ico")).status).toBe(404);
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"]) {
      const response = await server.request(path);
      expect(await response.text(), path).not.toContain("outside the UI folder");
    }
  });

  it("is absent when the UI is not built: the caller serves the API alone", () => {
    expect(loadWebAppAssets(join(root, "nothing-built"))).toBeUndefined();
  });
});
