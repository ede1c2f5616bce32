import { homedir } from "node:os";
import { join } from "node:path";

/** Where Vigil keeps its layer cache unless told otherwise: `$VIGIL_CACHE_DIR`, else the XDG cache. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VIGIL_CACHE_DIR) return env.VIGIL_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "vigil");
}
