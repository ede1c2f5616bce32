import { readFileSync } from "node:fs";

/** Vigil's version, from the CLI package's own package.json. */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
