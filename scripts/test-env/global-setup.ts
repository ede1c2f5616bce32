import { randomBytes } from "node:crypto";
import { TEST_ENV_VARS } from "./env.js";
import { ensureTestImages } from "./images.js";
import { installTestPostgresExtensions } from "./postgres-extensions.js";
import { type RunningRegistry, startRegistries } from "./registry.js";
import { ensureRegistryStorage } from "./registry-storage.js";

/**
 * Vitest global setup: makes sure the test images are built (build-images.sh; cached by recipe
 * hash), serves them from two read-only registries (plain HTTP, and HTTPS + basic auth) and
 * publishes the environment to every test through process.env (forked workers inherit it; tests
 * read it with testEnv() from ./env.ts), and installs the test database's PostgreSQL extensions
 * (./postgres-extensions.ts). Returns the teardown that stops the registries.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const started = performance.now();
  await installTestPostgresExtensions(
    process.env.VIGIL_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  );
  const imagesDir = await ensureTestImages();
  const storage = await ensureRegistryStorage(imagesDir);
  const creds = { user: "vigil", password: randomBytes(16).toString("hex") };
  const [plain, auth] = (await startRegistries([
    { dataDir: storage.plain, readOnly: true },
    { dataDir: storage.auth, readOnly: true, tls: true, basicAuth: creds },
  ])) as [RunningRegistry, RunningRegistry];
  process.env[TEST_ENV_VARS.registry] = plain.host;
  process.env[TEST_ENV_VARS.authRegistry] = auth.host;
  process.env[TEST_ENV_VARS.registryCaFile] = auth.caFile ?? "";
  process.env[TEST_ENV_VARS.registryUser] = creds.user;
  process.env[TEST_ENV_VARS.registryPassword] = creds.password;
  process.env[TEST_ENV_VARS.imagesDir] = imagesDir;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `[vigil test-env] ready in ${seconds} s: images ${imagesDir}; registry http://${plain.host}; ` +
      `auth registry https://${auth.host}`,
  );
  return async () => {
    await Promise.all([plain.stop(), auth.stop()]);
  };
}
