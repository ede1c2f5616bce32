export { DEBIAN_TRACKER_ID_PREFIX, type DebianFixStatus } from "./convert-tracker.js";
export {
  createDebianTrackerSource,
  DEBIAN_TRACKER_DEFAULT_LOCATION,
  type DebianTrackerSourceOptions,
} from "./debian-tracker-source.js";
export { DEBIAN_RELEASE_NUMBERS } from "./releases.js";
