// Preloaded into benchmarked Node processes (`node --import`): writes the process's peak
// resident set size (KiB) to $VIGIL_RSS_FILE when it exits.
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  if (process.env.VIGIL_RSS_FILE)
    writeFileSync(process.env.VIGIL_RSS_FILE, String(process.resourceUsage().maxRSS));
});
