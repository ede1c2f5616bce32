export { createGoBinaryExtractor } from "./go-binary-extractor.js";
