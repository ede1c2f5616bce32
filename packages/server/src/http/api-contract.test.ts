/**
 * The web UI's typed contract (`api-contract.ts`) names only routes the server registers, with
 * the same method: a route renamed or removed on the server fails here, not in a browser.
 */
import { describe, expect, it } from "vitest";
import { API_CONTRACT_ROUTES } from "./api-contract.js";
import { expectJson, useApiServer } from "./routes/test-support/api-test-server.js";

interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

describe("the web UI's API contract", () => {
  const api = useApiServer("sqlite");

  it("names only registered routes", async () => {
    const doc = await expectJson<OpenApiDocument>(await api.request("/api/v1/openapi.json"), 200);
    const registered = new Set(
      Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    // the contract writes Hono's `:id`, OpenAPI `{id}`
    const unknown = API_CONTRACT_ROUTES.map((route) => route.replace(/:([a-z]+)/gi, "{$1}")).filter(
      (route) => !registered.has(route),
    );
    expect(unknown).toEqual([]);
  });
});
