// `npm run screenshots`: copies the screenshots the web UI's end-to-end tests took
// (test-output/screenshots, after `npm test`) to docs/screenshots, which the README shows.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const from = join(root, "test-output", "screenshots");
const to = join(root, "docs", "screenshots");
if (!existsSync(from)) {
  console.error(`no screenshots in ${from}: run npm test -- packages/web/e2e first`);
  process.exit(1);
}
mkdirSync(to, { recursive: true });
const names = readdirSync(from).filter((name) => name.endsWith(".png"));
for (const name of names) copyFileSync(join(from, name), join(to, name));
console.log(`copied ${names.length} screenshots to docs/screenshots`);
