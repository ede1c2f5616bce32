import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Where the built web UI is: `dist/` of the `@vigil/web` workspace package, found the way
 * Node finds packages, so it works from a checkout and from an installed tree alike.
 * Undefined when the package is not installed (an API-only install).
 */
export function defaultWebRoot(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve("@vigil/web/package.json");
    return join(dirname(manifest), "dist");
  } catch {
    return undefined;
  }
}
