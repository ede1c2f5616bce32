import {
  EMPTY_RESULT,
  type ExtractorIssue,
  type ExtractorResult,
  type RangeExtractorInput,
  type RangeReadExtractor,
} from "../../extractor.js";
import type { FileReader } from "../../file-reader.js";
import {
  createRetainingReader,
  type ElfHeader,
  type ElfSegment,
  elfProblemResult,
  isExecutableCandidate,
  PT_NOTE,
  parseNotes,
  readElfHeader,
  readProgramHeaders,
} from "../elf/index.js";
import { decodeBuildInfo } from "./decode-build-info.js";
import { dataSegments, findBuildInfo } from "./find-build-info.js";
import { goPackages } from "./go-packages.js";
import { type GoModInfo, parseModInfo } from "./parse-modinfo.js";

/** Bytes of note segments read to look for the Go build ID note. */
const MAX_NOTE_BYTES = 64 * 1024;
/** Owner name of the notes the Go linker writes (`.note.go.buildid` and friends). */
const GO_NOTE_NAME = "Go";

/**
 * Go modules and the Go toolchain of ELF executables, from the build info the Go linker
 * embeds (Go's debug/buildinfo format; `go version -m` prints the same data). It reads the
 * ELF header, the program headers, the note segments and the start of the writable
 * segments, in increasing file order, so a Go 1.18+ binary of any size costs a few reads and
 * no second pass; a binary without build info costs the same and yields nothing.
 */
export function createGoBinaryExtractor(): RangeReadExtractor {
  return {
    name: "binary/go-buildinfo",
    version: 1,
    reads: "ranges",
    required: (_path, info) => isExecutableCandidate(info),
    extract: extractGoBinary,
  };
}

async function extractGoBinary({
  reader: hostReader,
  signal,
}: RangeExtractorInput): Promise<ExtractorResult> {
  const reader = createRetainingReader(hostReader);
  const header = await readElfHeader(reader);
  if (!header) return EMPTY_RESULT;
  if (!header.ok) return elfProblemResult(header.problem, "warning");
  const segments = await readProgramHeaders(reader, header.value);
  if (!segments.ok) return elfProblemResult(segments.problem, "warning");

  const deep = await hasGoNote(reader, header.value, segments.value);
  const at = await findBuildInfo(reader, segments.value, { deep, ...(signal ? { signal } : {}) });
  if (at === undefined) return EMPTY_RESULT;
  const raw = await decodeBuildInfo(reader, segments.value, at);
  // The magic was found: this is a Go binary whose packages could not be read.
  if (!raw.ok) return elfProblemResult(raw.problem, "error");

  const issues: ExtractorIssue[] = [];
  let modInfo: GoModInfo | undefined;
  if (raw.value.modInfo !== undefined) {
    const parsed = parseModInfo(raw.value.modInfo);
    modInfo = parsed.info;
    for (const problem of parsed.problems) {
      issues.push({
        severity: "warning",
        code: "go-buildinfo-bad-modinfo",
        message: problem.message,
        record: problem.record,
      });
    }
  }
  const found = goPackages(raw.value.goVersion, modInfo);
  return { packages: found.packages, issues: [...issues, ...found.issues] };
}

/**
 * Whether a note segment before the data holds a note owned by "Go" (the build ID the Go
 * linker always writes, also when gcc does the final link). Only notes that come before the
 * first writable segment are read, so the reads stay in increasing order; a Go binary whose
 * notes are elsewhere, or that has none, is still found by the ordinary search.
 */
async function hasGoNote(
  reader: FileReader,
  header: ElfHeader,
  segments: readonly ElfSegment[],
): Promise<boolean> {
  const dataStart = dataSegments(segments, reader.size)[0]?.offset ?? reader.size;
  const notes = segments
    .filter((s) => s.type === PT_NOTE && s.filesz > 0 && s.offset + s.filesz <= dataStart)
    .sort((a, b) => a.offset - b.offset);
  let budget = MAX_NOTE_BYTES;
  for (const note of notes) {
    if (note.filesz > budget) break;
    budget -= note.filesz;
    const bytes = await reader.readAt(note.offset, note.filesz);
    if (parseNotes(header, bytes).some((n) => n.name === GO_NOTE_NAME)) return true;
  }
  return false;
}
