import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { layoutTags, markUsed, OCI_INDEX_MEDIA_TYPE } from "./images.js";
import { writableCacheRoot } from "./paths.js";
import { pushImage, type RunningRegistry, startRegistries } from "./registry.js";

/** One image copy from the test layout into a test registry. */
export interface PushPlanEntry {
  /** `plain` (HTTP, no auth) or `auth` (HTTPS + basic auth). */
  readonly registry: "plain" | "auth";
  /** Tag in the OCI layout. */
  readonly tag: string;
  /** Repository and tag in the registry, e.g. `vigil/minbase:latest`. */
  readonly to: string;
  readonly format?: "v2s2";
  readonly all?: boolean;
}

/** Storage directories of the two test registries, already holding the pushed images. */
export interface RegistryStorage {
  readonly plain: string;
  readonly auth: string;
}

/** Tags pushed to the HTTPS + basic-auth registry. */
export const AUTH_REGISTRY_TAGS = ["minbase", "alpine-3.11"] as const;

/**
 * What goes where: every single-manifest tag to the plain registry as `vigil/<tag>:latest`,
 * `minbase` also as Docker schema 2 (`vigil/minbase:v2s2`), each index with all its manifests,
 * and {@link AUTH_REGISTRY_TAGS} to the auth registry.
 */
export function pushPlan(layoutDir: string): PushPlanEntry[] {
  const plan: PushPlanEntry[] = [];
  for (const { tag, mediaType } of layoutTags(layoutDir)) {
    if (mediaType === OCI_INDEX_MEDIA_TYPE)
      plan.push({ registry: "plain", tag, to: `vigil/${tag}:latest`, all: true });
    else plan.push({ registry: "plain", tag, to: `vigil/${tag}:latest` });
  }
  plan.push({ registry: "plain", tag: "minbase", to: "vigil/minbase:v2s2", format: "v2s2" });
  for (const tag of AUTH_REGISTRY_TAGS) plan.push({ registry: "auth", tag, to: `vigil/${tag}:latest` });
  return plan;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function removeStalePartials(root: string): void {
  for (const name of readdirSync(root)) {
    const match = /^registry-.*\.partial-(\d+)$/.exec(name);
    if (match && !isAlive(Number(match[1]))) rmSync(join(root, name), { recursive: true, force: true });
  }
}

async function pushAll(layoutDir: string, plan: readonly PushPlanEntry[], dir: string): Promise<void> {
  const creds = { user: "push", password: randomBytes(12).toString("hex") };
  const [plain, auth] = (await startRegistries([
    { dataDir: join(dir, "plain") },
    { dataDir: join(dir, "auth"), tls: true, basicAuth: creds },
  ])) as [RunningRegistry, RunningRegistry];
  // one queue per registry, the two side by side
  const queue = async (registry: "plain" | "auth"): Promise<void> => {
    const target = registry === "plain" ? plain : auth;
    for (const p of plan.filter((entry) => entry.registry === registry)) {
      await pushImage(`${layoutDir}:${p.tag}`, `${target.host}/${p.to}`, {
        format: p.format,
        all: p.all,
        ...(registry === "auth" ? { creds, certDir: target.certDir } : {}),
      });
    }
  };
  try {
    await Promise.all([queue("plain"), queue("auth")]);
  } finally {
    await Promise.all([plain.stop(), auth.stop()]);
  }
}

/**
 * Storage for the two test registries with the {@link pushPlan} images pushed, kept in the
 * cache as `registry-<images hash>-<plan hash>/` so that only the first run of a recipe pushes.
 * Filled through real registries (pushImage, i.e. skopeo) in a `.partial-<pid>` directory that
 * is renamed into place when complete; concurrent runs may both fill one, the first rename wins.
 * Serve it read-only: every run shares it.
 */
export async function ensureRegistryStorage(imagesDir: string): Promise<RegistryStorage> {
  const layoutDir = join(imagesDir, "oci");
  const plan = pushPlan(layoutDir);
  const planHash = createHash("sha256").update(JSON.stringify(plan)).digest("hex").slice(0, 8);
  const root = writableCacheRoot();
  const dir = join(root, `registry-${basename(imagesDir).replace(/^images-/, "")}-${planHash}`);
  const storage = { plain: join(dir, "plain"), auth: join(dir, "auth") };
  if (existsSync(join(dir, "done"))) {
    markUsed(dir);
    return storage;
  }
  removeStalePartials(root);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const started = performance.now();
  try {
    await pushAll(layoutDir, plan, partial);
    writeFileSync(join(partial, "plan.json"), `${JSON.stringify(plan, null, 2)}\n`);
    writeFileSync(
      join(partial, "done"),
      `pushed in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    if (existsSync(dir) && !existsSync(join(dir, "done"))) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(partial, dir);
    } catch (error) {
      if (!existsSync(join(dir, "done"))) throw error; // else another run finished first
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  markUsed(dir);
  console.log(
    `[vigil test-env] pushed ${plan.length} images into ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return storage;
}
