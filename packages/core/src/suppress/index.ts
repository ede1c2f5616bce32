export * from "./apply-suppressions.js";
export * from "./ignore-rule.js";
export * from "./parse-ignore-file.js";
export * from "./parse-vex.js";
export * from "./path-glob.js";
export * from "./suppression-problem.js";
export * from "./vex-statement.js";
