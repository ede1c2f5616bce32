export * from "./affects.js";
export * from "./language-ecosystem.js";
export * from "./match-inventory.js";
export * from "./os-ecosystem.js";
export * from "./range-comparators.js";
