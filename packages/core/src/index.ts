/**
 * @vigil/core: the pure scanning library. Image sources, layer walking, extractors and
 * inventory; nothing here opens a server or a database.
 */
export * from "./model/index.js";
