import type { ResolvedImage } from "../model/image.js";
import type { ImageInventory } from "../model/image-inventory.js";
import { renderIssueLines, renderTextTable } from "./text-table.js";

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
    ...renderTextTable(header, rows),
    "",
    `${inventory.packages.length} packages: ${summary}`,
  ];
  out.push(...renderIssueLines(inventory.issues));
  return `${out.join("\n")}\n`;
}
