import type { FileInfo } from "../../extractor.js";
import { ELF32_HEADER_SIZE } from "./elf-header.js";

/**
 * The cheap `required` test of the executable extractors: a file with any executable bit
 * that is at least as large as the smallest ELF header. The path says nothing (Go and Rust
 * programs have no extension, and a Go shared object is as readable as an executable).
 *
 * Directories and symbolic links are declared with size 0 in a layer, so the size test also
 * keeps them out; so are hard links, whose tar header carries no size: their target is an
 * earlier entry of the same layer with the same mode, read under its own path.
 */
export function isExecutableCandidate(info: FileInfo): boolean {
  return (info.mode & 0o111) !== 0 && info.size >= ELF32_HEADER_SIZE;
}
