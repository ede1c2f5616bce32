/**
 * Discovery: the containers that run in a cluster, read through a {@link KubernetesReader}
 * the caller passes in, and the registry credentials their pull secrets give.
 */
export * from "./discover-running-containers.js";
export * from "./discovery-issue.js";
export { type ParsedImageId, parseImageId } from "./image-id.js";
export * from "./kubernetes-api-error.js";
export * from "./kubernetes-objects.js";
export * from "./kubernetes-reader.js";
export { ListExpiredError } from "./list-all-pages.js";
export type { SkipReason } from "./pod-containers.js";
export {
  createPullSecretCredentials,
  DOCKER_CFG_TYPE,
  DOCKER_CONFIG_JSON_TYPE,
  mergeDockerConfigs,
  type PullCredentials,
  type PullSecretCredentials,
  type PullSecretCredentialsOptions,
  type PullSecretReading,
  readPullSecret,
} from "./pull-secret-credentials.js";
