export { createDpkgExtractor } from "./dpkg-extractor.js";
export { type ControlParagraph, parseControlFile } from "./parse-control.js";
