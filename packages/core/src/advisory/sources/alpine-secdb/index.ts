export {
  ALPINE_SECDB_DEFAULT_LOCATION,
  type AlpineSecdbSourceOptions,
  createAlpineSecdbSource,
} from "./alpine-secdb-source.js";
export { ALPINE_SECDB_ID_PREFIX } from "./build-records.js";
