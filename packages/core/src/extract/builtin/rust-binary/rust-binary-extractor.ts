import {
  EMPTY_RESULT,
  type ExtractorResult,
  type RangeExtractorInput,
  type RangeReadExtractor,
} from "../../extractor.js";
import {
  createRetainingReader,
  elfProblemResult,
  isExecutableCandidate,
  readElfHeader,
  readNamedSections,
  readSectionBytes,
} from "../elf/index.js";
import { auditPackages } from "./audit-packages.js";
import { decompressAuditData } from "./decompress-audit-data.js";

/** The section cargo-auditable links into executables. */
const AUDIT_SECTION = ".dep-v0";
/**
 * Largest compressed `.dep-v0` section read. Real ones are a few KiB (the JSON compresses
 * about tenfold and a thousand crates make some 100 KiB of it).
 */
const MAX_AUDIT_SECTION_BYTES = 4 * 1024 * 1024;

/**
 * Rust crates of ELF executables built with cargo-auditable, from the zlib-compressed JSON it
 * embeds in the `.dep-v0` section. Sections are found through the section header table, at
 * the end of the file: the reads are the ELF header, the table, the section-name table (just
 * before the table in linker output) and the section itself, which lies before the table; so
 * a binary can need one read behind the host's window, which the host serves with a second
 * pass. Executables without the section cost three reads and yield nothing.
 */
export function createRustBinaryExtractor(): RangeReadExtractor {
  return {
    name: "binary/rust-cargo-auditable",
    version: 1,
    reads: "ranges",
    required: (_path, info) => isExecutableCandidate(info),
    extract: extractRustBinary,
  };
}

async function extractRustBinary({ reader: hostReader }: RangeExtractorInput): Promise<ExtractorResult> {
  const reader = createRetainingReader(hostReader);
  const header = await readElfHeader(reader);
  if (!header) return EMPTY_RESULT;
  if (!header.ok) return elfProblemResult(header.problem, "warning");
  const sections = await readNamedSections(reader, header.value);
  if (!sections.ok) return elfProblemResult(sections.problem, "warning");
  const section = sections.value.find((s) => s.name === AUDIT_SECTION);
  if (!section) return EMPTY_RESULT;
  // From here the binary says it carries audit data: failing to read it loses packages.
  const compressed = await readSectionBytes(
    reader,
    section,
    MAX_AUDIT_SECTION_BYTES,
    `${AUDIT_SECTION} section`,
  );
  if (!compressed.ok) return elfProblemResult(compressed.problem, "error");
  const json = decompressAuditData(compressed.value);
  if (!json.ok) return { packages: [], issues: [json.issue] };
  return auditPackages(json.text);
}
