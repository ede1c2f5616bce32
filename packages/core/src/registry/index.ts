/**
 * Image sources: a registry client written to the OCI distribution spec, OCI layouts, OCI
 * archives and `docker save` archives, all behind {@link ImageSource}.
 */
export * from "./byte-rate.js";
export * from "./digest.js";
export * from "./docker-archive-source.js";
export * from "./docker-config.js";
export * from "./errors.js";
export * from "./http-client.js";
export * from "./image-reference.js";
export * from "./image-source.js";
export * from "./keyed-semaphore.js";
export * from "./layout-files.js";
export * from "./limited-http-client.js";
export * from "./manifest.js";
export * from "./media-types.js";
export * from "./node-http-client.js";
export * from "./oci-archive-source.js";
export * from "./oci-layout-source.js";
export * from "./open-image-source.js";
export * from "./platform.js";
export * from "./registry-auth.js";
export * from "./registry-client.js";
export * from "./registry-limits.js";
export * from "./registry-source.js";
export * from "./retry-policy.js";
export * from "./throttled-stream.js";
export * from "./token-bucket.js";
export * from "./undici-http-client.js";
export * from "./verified-stream.js";
export * from "./www-authenticate.js";
