export * from "./affects.js";
export * from "./range-comparators.js";
