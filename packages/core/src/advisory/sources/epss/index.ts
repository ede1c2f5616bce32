export { createEpssSource, EPSS_DEFAULT_LOCATION, type EpssSourceOptions } from "./epss-source.js";
