export { createRustBinaryExtractor } from "./rust-binary-extractor.js";
