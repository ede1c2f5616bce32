// What a person with the findings report open does to the server: once a second, the calls
// the web UI makes for the report page and the clusters and scans pages, at once as a browser
// would. Every call's latency is kept.

/** The report's first page as the web UI asks for it (packages/web/src/report/report-filter.ts). */
const OPEN_REPORT = "report_type=operational&state=detected&state=confirmed";

/** The calls of one round, by name. */
export const USER_CALLS = [
  ["findings page", `/api/v1/findings?${OPEN_REPORT}&sort=severity&order=desc&limit=50`],
  ["summary", `/api/v1/findings/summary?${OPEN_REPORT}`],
  ["trend", "/api/v1/findings/trend?days=30"],
  ["clusters", "/api/v1/clusters"],
  ["scans", "/api/v1/scans?limit=20"],
];

/**
 * Starts a round every `intervalMs` (the next one waits for the previous one when it takes
 * longer: rounds never pile up). Returns the records (`at` ms since `epoch`, `name`, `ms`,
 * `status`; status 0 for a network error) and `stop()`.
 */
export function startUserCalls({ baseUrl, token, epoch, intervalMs = 1000 }) {
  const records = [];
  let stopped = false;
  const headers = { Authorization: `Bearer ${token}` };
  const call = async ([name, path]) => {
    const started = performance.now();
    let status = 0;
    try {
      const response = await fetch(`${baseUrl}${path}`, { headers });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      // a refused or reset connection counts as a failed call
    }
    records.push({ at: performance.now() - epoch, name, ms: performance.now() - started, status });
  };
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      await Promise.all(USER_CALLS.map(call));
      const wait = intervalMs - (performance.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    records,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
