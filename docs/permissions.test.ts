/**
 * docs/permissions.md lists every route with the least access it needs: the table must be the
 * server's own (the OpenAPI document's `x-vigil-access`, which `createHttpApp` enforces and
 * packages/server/src/http/authorization-table.test.ts checks route by route).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROLES } from "../packages/server/src/http/role.js";
import { expectJson, useApiServer } from "../packages/server/src/http/routes/test-support/api-test-server.js";

const markdown = readFileSync(join(import.meta.dirname, "permissions.md"), "utf8");

/** `METHOD /path` → access, from the doc's table rows. */
function documentedAccess(): Record<string, string> {
  const rows = [...markdown.matchAll(/^\| `((?:GET|POST|PUT|PATCH|DELETE) \S+)` \| (\w+) \|$/gm)];
  return Object.fromEntries(rows.map((m) => [m[1]!, m[2]!]));
}

describe("docs/permissions.md", () => {
  const api = useApiServer("sqlite");

  it("lists every route with the access the server requires, and no other", async () => {
    const doc = await expectJson<{ paths: Record<string, Record<string, { "x-vigil-access": string }>> }>(
      await api.request("/api/v1/openapi.json"),
      200,
    );
    const registered = Object.fromEntries(
      Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, op]) => [
          `${method.toUpperCase()} ${path}`,
          op["x-vigil-access"],
        ]),
      ),
    );
    expect(documentedAccess()).toEqual(registered);
  });

  it("names the roles in the server's order", () => {
    const roles = [...markdown.matchAll(/^\| (guest|reporter|developer|maintainer|owner) \|/gm)].map(
      (m) => m[1],
    );
    expect(roles).toEqual([...ROLES]);
  });
});
