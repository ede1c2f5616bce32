import { join } from "node:path";

/**
 * The environment variables global-setup.ts sets for every test (forked workers inherit them).
 * Tests read them through {@link testEnv}, never directly.
 */
export const TEST_ENV_VARS = {
  registry: "VIGIL_TEST_REGISTRY",
  authRegistry: "VIGIL_TEST_REGISTRY_AUTH",
  registryCaFile: "VIGIL_TEST_REGISTRY_CA",
  registryUser: "VIGIL_TEST_REGISTRY_USER",
  registryPassword: "VIGIL_TEST_REGISTRY_PASSWORD",
  imagesDir: "VIGIL_TEST_IMAGES",
} as const;

/** Every single-manifest image tag in the test layout (also pushed as `vigil/<tag>:latest`). */
export const TEST_IMAGE_TAGS = [
  "minbase",
  "python",
  "multilayer",
  "nodeapp",
  "alpine-3.10",
  "alpine-3.11",
  "rpm-sqlite",
  "rpm-ndb",
  "rpm-bdb",
  "distroless-deb",
] as const;

/** A single-manifest test image tag. */
export type TestImageTag = (typeof TEST_IMAGE_TAGS)[number];

/** The test images with a dpkg database, i.e. with `expected/<tag>.dpkg-query.tsv`. */
export const DEBIAN_IMAGE_TAGS = ["minbase", "python", "multilayer", "distroless-deb"] as const;

/** What the test environment offers a test. */
export interface TestEnv {
  /**
   * `127.0.0.1:PORT` of a plain-HTTP registry without auth, read-only. It holds
   * `vigil/<tag>:latest` for every {@link TEST_IMAGE_TAGS} entry (OCI manifests),
   * `vigil/minbase:v2s2` (Docker schema 2) and `vigil/multiarch:latest` (OCI index).
   */
  readonly registry: string;
  /** `127.0.0.1:PORT` of an HTTPS + basic-auth registry: `vigil/minbase:latest`, `vigil/alpine-3.11:latest`. */
  readonly authRegistry: string;
  /** PEM CA file that signed the HTTPS registry's certificate. */
  readonly registryCaFile: string;
  /** User name for {@link authRegistry}. */
  readonly registryUser: string;
  /** Password for {@link authRegistry} (random per run). */
  readonly registryPassword: string;
  /** The built images: `oci/`, `archives/`, `expected/` (see scripts/test-env/README.md). */
  readonly imagesDir: string;
  /** The OCI image layout holding every tag (`multiarch` is an index). */
  readonly ociLayoutDir: string;
  /** `<tag>.oci.tar` (oci-archive) and `<tag>.docker.tar` (docker-archive, not for multiarch). */
  readonly archivesDir: string;
  /** `<tag>.json` digests, `<tag>.dpkg-query.tsv` / `.rpm-qa.tsv` / `.apk.tsv` package lists. */
  readonly expectedDir: string;
}

/** The test environment is absent: the test was not started through scripts/test-env/global-setup.ts. */
export class TestEnvMissingError extends Error {
  constructor(missing: readonly string[]) {
    super(
      `The Vigil test environment is not set up (missing ${missing.join(", ")}). ` +
        "Run the tests with `npm test` or `npx vitest run` from the repository root, whose " +
        "vitest.config.ts runs scripts/test-env/global-setup.ts (it builds the test images and starts " +
        "the registries). Tests that need the environment must fail without it, not skip.",
    );
    this.name = "TestEnvMissingError";
  }
}

/** Reads the test environment from `env`; throws {@link TestEnvMissingError} when any part is missing. */
export function testEnv(env: NodeJS.ProcessEnv = process.env): TestEnv {
  const missing = Object.values(TEST_ENV_VARS).filter((name) => !env[name]);
  if (missing.length > 0) throw new TestEnvMissingError(missing);
  const get = (name: string): string => env[name] as string;
  const imagesDir = get(TEST_ENV_VARS.imagesDir);
  return {
    registry: get(TEST_ENV_VARS.registry),
    authRegistry: get(TEST_ENV_VARS.authRegistry),
    registryCaFile: get(TEST_ENV_VARS.registryCaFile),
    registryUser: get(TEST_ENV_VARS.registryUser),
    registryPassword: get(TEST_ENV_VARS.registryPassword),
    imagesDir,
    ociLayoutDir: join(imagesDir, "oci"),
    archivesDir: join(imagesDir, "archives"),
    expectedDir: join(imagesDir, "expected"),
  };
}
