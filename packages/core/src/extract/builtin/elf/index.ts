export * from "./elf-header.js";
export * from "./elf-problem.js";
export * from "./executable-candidate.js";
export * from "./notes.js";
export * from "./program-headers.js";
export * from "./read-elf.js";
export * from "./retaining-reader.js";
export * from "./section-headers.js";
