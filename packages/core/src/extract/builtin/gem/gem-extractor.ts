import type { ExtractorInput, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { parseGemspec } from "./parse-gemspec.js";

/**
 * Installed Ruby gems: the specifications RubyGems writes for every installed gem,
 * `<GEM_HOME>/specifications/<name>-<version>.gemspec` (system `gems/<ruby version>/`,
 * `vendor/bundle/ruby/<version>/`, `/usr/local/bundle/`), and the gems that ship with Ruby
 * under `specifications/default/`: those carry advisories too (`uri`, `net-imap`, `rexml` ...).
 * Gemspecs elsewhere (in a gem's source tree) are hand-written Ruby and not read.
 */
export function createGemExtractor(): WholeFileExtractor {
  return {
    name: "language/gem",
    version: 1,
    maxFileSize: 4 * 1024 * 1024,
    required: isInstalledGemspecPath,
    extract: extractGem,
  };
}

/** `.../specifications/<file>.gemspec` or `.../specifications/default/<file>.gemspec`. */
export function isInstalledGemspecPath(path: string): boolean {
  if (!path.endsWith(".gemspec")) return false;
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash);
  return dir.endsWith("/specifications") || dir.endsWith("/specifications/default");
}

function extractGem({ path, content }: ExtractorInput): ExtractorResult {
  const { name, version, licenses, issues } = parseGemspec(content.toString("utf8"));
  if (!name || !version) return { packages: [], issues };
  const metadata: Record<string, string> = {};
  if (licenses.length > 0) metadata.license = licenses.join(", ");
  if (path.slice(0, path.lastIndexOf("/")).endsWith("/specifications/default")) metadata.defaultGem = "true";
  return {
    packages: [{ type: "gem", name, version, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) }],
    issues,
  };
}
