import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { createScanPolicyRepository, type ScanPolicyFields } from "./scan-policy-repository.js";
import { StoreConflictError } from "./store-errors.js";
import { at } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";

const nightly: ScanPolicyFields = {
  name: "nightly",
  enabled: true,
  cadence: "0 2 * * *",
  timezone: "Europe/Berlin",
  clusters: ["prod", "edge"],
  namespaces: [],
  severityThreshold: "high",
  yaml: "name: nightly\nenabled: true\n",
  nextRunAt: at(120),
};

describe.each(DIALECTS)("scan policy repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const policies = () => createScanPolicyRepository(t.current.db);

  it("creates, reads, updates and deletes policies; names are unique", async () => {
    const created = await policies().create({ ...nightly, id: "p1", createdAt: at(0) });
    expect(created).toEqual({ ...nightly, id: "p1", createdAt: at(0), updatedAt: at(0) });
    expect(await policies().get("p1")).toEqual(created);
    expect(await policies().getByName("nightly")).toEqual(created);
    expect(await policies().get("nope")).toBeUndefined();

    await expect(policies().create({ ...nightly, id: "p2", createdAt: at(1) })).rejects.toThrow(
      StoreConflictError,
    );
    await expect(
      policies().create({ ...nightly, name: "other", id: "p1", createdAt: at(1) }),
    ).rejects.toThrow(StoreConflictError);
    const weekly = await policies().create({
      ...nightly,
      id: "p2",
      name: "weekly",
      enabled: false,
      namespaces: ["shop", "billing"],
      nextRunAt: undefined,
      createdAt: at(1),
    });
    expect(weekly.nextRunAt).toBeUndefined();
    expect(weekly.namespaces).toEqual(["shop", "billing"]);
    expect((await policies().list()).map((p) => p.name)).toEqual(["nightly", "weekly"]);

    await expect(policies().update("p2", { ...nightly, updatedAt: at(2) })).rejects.toThrow(
      StoreConflictError,
    );
    const updated = await policies().update("p1", {
      ...nightly,
      name: "nightly-all",
      clusters: [],
      severityThreshold: "critical",
      updatedAt: at(3),
    });
    expect(updated).toEqual({
      ...nightly,
      id: "p1",
      name: "nightly-all",
      clusters: [],
      severityThreshold: "critical",
      createdAt: at(0),
      updatedAt: at(3),
    });
    expect(await policies().update("nope", { ...nightly, updatedAt: at(3) })).toBeUndefined();

    expect(await policies().delete("p2")).toBe(true);
    expect(await policies().delete("p2")).toBe(false);
    expect((await policies().list()).map((p) => p.id)).toEqual(["p1"]);
  });

  it("lists enabled policies that are due and records their runs", async () => {
    await policies().create({ ...nightly, id: "due", name: "due", nextRunAt: at(10), createdAt: at(0) });
    await policies().create({ ...nightly, id: "soon", name: "soon", nextRunAt: at(5), createdAt: at(0) });
    await policies().create({ ...nightly, id: "later", name: "later", nextRunAt: at(30), createdAt: at(0) });
    await policies().create({
      ...nightly,
      id: "off",
      name: "off",
      enabled: false,
      nextRunAt: at(1),
      createdAt: at(0),
    });
    await policies().create({
      ...nightly,
      id: "unplanned",
      name: "unplanned",
      nextRunAt: undefined,
      createdAt: at(0),
    });
    expect((await policies().listDue(at(10))).map((p) => p.id)).toEqual(["soon", "due"]);

    expect(await policies().recordRun("soon", { at: at(10), nextRunAt: at(65) })).toBe(true);
    expect(await policies().recordRun("nope", { at: at(10) })).toBe(false);
    expect(await policies().get("soon")).toMatchObject({ lastRunAt: at(10), nextRunAt: at(65) });
    expect((await policies().listDue(at(10))).map((p) => p.id)).toEqual(["due"]);
    expect((await policies().listDue(at(100))).map((p) => p.id)).toEqual(["due", "later", "soon"]);

    // two processes serve the same due run: only the one that still sees the planned time wins
    const claim = { at: at(10), nextRunAt: at(70), previousNextRunAt: at(10) };
    expect(await policies().recordRun("due", claim)).toBe(true);
    expect(await policies().recordRun("due", claim)).toBe(false);
    // planning only (nothing ran) keeps the last run; a policy never planned is claimed by null
    expect(await policies().recordRun("due", { nextRunAt: at(80) })).toBe(true);
    expect(await policies().get("due")).toMatchObject({ lastRunAt: at(10), nextRunAt: at(80) });
    expect(await policies().recordRun("unplanned", { nextRunAt: at(90), previousNextRunAt: at(1) })).toBe(
      false,
    );
    expect(await policies().recordRun("unplanned", { nextRunAt: at(90), previousNextRunAt: null })).toBe(
      true,
    );
    expect(await policies().get("unplanned")).toMatchObject({ nextRunAt: at(90) });
    expect((await policies().get("unplanned"))?.lastRunAt).toBeUndefined();
  });
});
