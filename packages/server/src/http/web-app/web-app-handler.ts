import type { Context } from "hono";
import type { WebAppAssets, WebAsset } from "./web-app-assets.js";

/** Paths that belong to the API and metrics: never answered with the UI's page. */
function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/") || path === "/metrics";
}

/**
 * The UI for a GET or HEAD outside the API: a built file by its path, else the app's page for
 * any path a person may open or share (`/report/operational?cluster=…`, `/findings/…`); the
 * app routes in the browser. Undefined for API paths and for missing files under `/assets/`
 * (a stale hashed name must be a 404, not HTML parsed as script).
 */
export function webAppResponse(c: Context, assets: WebAppAssets): Response | undefined {
  const path = c.req.path;
  if (isApiPath(path)) return undefined;
  const file = assets.files.get(path);
  if (file) return assetResponse(c, file);
  if (path.startsWith("/assets/") || /\.[a-z0-9]+$/i.test(path)) return undefined;
  return assetResponse(c, assets.index);
}

function assetResponse(c: Context, asset: WebAsset): Response {
  const headers: Record<string, string> = {
    "Content-Type": asset.contentType,
    ETag: asset.etag,
    "Cache-Control": asset.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    Vary: "Accept-Encoding",
  };
  if (c.req.header("If-None-Match") === asset.etag) return c.body(null, 304, headers);
  const gzip = asset.gzipped && /\bgzip\b/.test(c.req.header("Accept-Encoding") ?? "");
  const body = gzip ? asset.gzipped! : asset.body;
  if (gzip) headers["Content-Encoding"] = "gzip";
  headers["Content-Length"] = String(body.length);
  if (c.req.method === "HEAD") return c.body(null, 200, headers);
  return c.body(new Uint8Array(body), 200, headers);
}
