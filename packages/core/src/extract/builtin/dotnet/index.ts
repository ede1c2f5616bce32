export { createDotnetDepsExtractor } from "./dotnet-deps-extractor.js";
