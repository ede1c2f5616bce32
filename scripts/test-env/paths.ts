import { accessSync, constants, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** This folder (`scripts/test-env`). */
export const testEnvDir: string = dirname(fileURLToPath(import.meta.url));

/** The repository root. */
export const repoRoot: string = resolve(testEnvDir, "../..");

/** The image build script; `print-dir` tells where this recipe's images live. */
export const buildImagesScript: string = join(testEnvDir, "build-images.sh");

/** The cache root shared by every checkout: `$VIGIL_TEST_CACHE`, default `/var/cache/vigil-test`. */
export function cacheRoot(): string {
  return process.env.VIGIL_TEST_CACHE || "/var/cache/vigil-test";
}

/**
 * Where test-environment state that should outlive one run goes (registry storage, the test CA):
 * the cache root when it is writable (root, CI), else a per-user directory under the system temp
 * dir, so a run as another user still works (it only redoes that state more often).
 */
export function writableCacheRoot(): string {
  const preferred = cacheRoot();
  try {
    mkdirSync(preferred, { recursive: true });
    accessSync(preferred, constants.W_OK);
    return preferred;
  } catch {
    const fallback = join(tmpdir(), `vigil-test-${process.getuid?.() ?? "user"}`);
    mkdirSync(fallback, { recursive: true });
    return fallback;
  }
}
