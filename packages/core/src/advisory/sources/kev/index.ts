export { createKevSource, KEV_DEFAULT_LOCATION, type KevSourceOptions } from "./kev-source.js";
