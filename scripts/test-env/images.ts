import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildImagesScript } from "./paths.js";

const execFileAsync = promisify(execFile);

/** Building or locating the test images failed. */
export class TestImagesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TestImagesError";
  }
}

/** One tag of the test OCI layout. */
export interface LayoutTag {
  readonly tag: string;
  readonly mediaType: string;
  readonly digest: string;
}

/** Media type of an OCI image index. */
export const OCI_INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json";

/** The images directory of the current recipe (`<cache>/images-<recipe-hash>`), built or not. */
export async function testImagesDir(): Promise<string> {
  try {
    const { stdout } = await execFileAsync("bash", [buildImagesScript, "print-dir"]);
    return stdout.trim();
  } catch (error) {
    throw new TestImagesError(`${buildImagesScript} print-dir failed`, { cause: error });
  }
}

/**
 * The images directory of the current recipe, building it first (build-images.sh, minutes on
 * an empty cache, needs root) when its `done` marker is missing.
 */
export async function ensureTestImages(): Promise<string> {
  const dir = await testImagesDir();
  if (!existsSync(join(dir, "done"))) {
    console.log(`[vigil test-env] test images missing at ${dir}; building them (minutes on an empty cache)`);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn("bash", [buildImagesScript, "build"], { stdio: ["ignore", "inherit", "inherit"] });
      child.once("error", reject);
      child.once("exit", (status, signal) => resolve(status ?? (signal ? 128 : 1)));
    });
    if (code !== 0 || !existsSync(join(dir, "done"))) {
      throw new TestImagesError(
        `building the test images failed (exit ${code}); see the build-images output above. ` +
          `As root: bash ${buildImagesScript}`,
      );
    }
  }
  markUsed(dir);
  return dir;
}

/** Records that a cache directory is in use, so build-images.sh does not prune it. */
export function markUsed(dir: string): void {
  const stamp = join(dir, "last-used");
  const now = new Date();
  try {
    utimesSync(stamp, now, now);
  } catch {
    try {
      writeFileSync(stamp, "");
    } catch {
      // read-only cache (another user built it): pruning is its owner's business
    }
  }
}

/** The tags of an OCI layout's index.json, in index order. */
export function layoutTags(layoutDir: string): LayoutTag[] {
  const index = JSON.parse(readFileSync(join(layoutDir, "index.json"), "utf8")) as {
    manifests: { mediaType: string; digest: string; annotations?: Record<string, string> }[];
  };
  return index.manifests.flatMap((m) => {
    const tag = m.annotations?.["org.opencontainers.image.ref.name"];
    return tag ? [{ tag, mediaType: m.mediaType, digest: m.digest }] : [];
  });
}
