export { createApkExtractor } from "./apk-extractor.js";
