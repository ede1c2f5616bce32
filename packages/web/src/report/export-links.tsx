import type { FindingFilterQuery } from "@vigil/server";
import { routeUrl } from "../api/client.js";

const FORMATS = [
  { format: "csv", label: "CSV" },
  { format: "gitlab", label: "GitLab JSON" },
  { format: "sarif", label: "SARIF" },
  { format: "cyclonedx", label: "CycloneDX" },
] as const;

/** Downloads of the whole filtered set (not only the page) in each export format. */
export function ExportLinks({ filter }: { filter: FindingFilterQuery }) {
  return (
    <span className="export">
      Export:{" "}
      {FORMATS.map(({ format, label }) => (
        <a
          key={format}
          href={routeUrl("GET /api/v1/findings/export", { query: { ...filter, format } })}
          download
        >
          {label}
        </a>
      ))}
    </span>
  );
}
