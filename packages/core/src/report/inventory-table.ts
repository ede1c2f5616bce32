import type { ResolvedImage } from "../model/image.js";
import type { ImageInventory } from "../model/image-inventory.js";

/** A plain-text table of packages for people: one row a package, a summary line at the end. */
export function renderInventoryTable(image: ResolvedImage, inventory: ImageInventory): string {
  const rows = inventory.packages.map((p) => [
    p.type,
    p.name,
    p.version,
    p.sourceName && p.sourceName !== p.name ? p.sourceName : "",
    String(p.location.layerIndex),
  ]);
  const header = ["TYPE", "NAME", "VERSION", "SOURCE", "LAYER"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const os = inventory.os
    ? `${inventory.os.prettyName ?? `${inventory.os.id} ${inventory.os.versionId ?? ""}`.trim()}`
    : "unknown OS";
  const counts = new Map<string, number>();
  for (const p of inventory.packages) counts.set(p.type, (counts.get(p.type) ?? 0) + 1);
  const summary = [...counts].map(([type, n]) => `${n} ${type}`).join(", ") || "no packages";
  const out = [
    `${image.reference} (${image.manifestDigest})`,
    `OS: ${os}`,
    "",
    line(header),
    ...rows.map(line),
    "",
    `${inventory.packages.length} packages: ${summary}`,
  ];
  const problems = inventory.issues.filter((i) => i.severity !== "info");
  if (problems.length > 0) {
    out.push(`${problems.length} issues:`);
    for (const issue of problems) {
      const where = [
        issue.location.path,
        issue.location.line !== undefined ? `line ${issue.location.line}` : undefined,
      ]
        .filter(Boolean)
        .join(" ");
      out.push(`  ${issue.severity}: ${issue.message}${where ? ` (${where})` : ""}`);
    }
  }
  return `${out.join("\n")}\n`;
}
