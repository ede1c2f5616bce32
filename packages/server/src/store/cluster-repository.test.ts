import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { createClusterRepository } from "./cluster-repository.js";
import { at } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";

describe.each(DIALECTS)("cluster repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const clusters = () => createClusterRepository(t.current.db);

  it("adds, updates, gets and lists clusters", async () => {
    const prod = await clusters().upsert({
      id: "prod",
      name: "Production",
      connectionKind: "kubeconfig",
      kubeconfigContext: "prod-admin",
      createdAt: at(0),
    });
    expect(prod).toEqual({
      id: "prod",
      name: "Production",
      connectionKind: "kubeconfig",
      kubeconfigContext: "prod-admin",
      createdAt: at(0),
    });
    await clusters().upsert({ id: "edge", name: "Edge", connectionKind: "agent", createdAt: at(1) });
    // an update changes name and connection, never the creation time
    const moved = await clusters().upsert({
      id: "prod",
      name: "Prod EU",
      connectionKind: "agent",
      createdAt: at(9),
    });
    expect(moved).toEqual({ id: "prod", name: "Prod EU", connectionKind: "agent", createdAt: at(0) });
    expect(await clusters().get("prod")).toEqual(moved);
    expect(await clusters().get("nope")).toBeUndefined();
    expect((await clusters().list()).map((c) => c.id)).toEqual(["edge", "prod"]);
  });
});
