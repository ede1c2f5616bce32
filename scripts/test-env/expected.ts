import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestEnv, TestImageTag } from "./env.js";

/** A platform as written in an image config / index entry. */
export interface ExpectedPlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** One layer of an expected manifest, with the diff_id of its uncompressed tar. */
export interface ExpectedLayer {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly diffId: string;
}

/** Digests of one image manifest as stored in the OCI layout (`expected/<tag>.json`). */
export interface ExpectedManifest {
  readonly manifestDigest: string;
  readonly manifestSize: number;
  readonly mediaType: string;
  readonly platform: ExpectedPlatform;
  readonly configDigest: string;
  readonly configSize: number;
  readonly layers: readonly ExpectedLayer[];
  readonly diffIds: readonly string[];
}

/** `expected/<tag>.json` of a single-manifest image. */
export interface ExpectedImage extends ExpectedManifest {
  readonly tag: string;
  /** Repository and tag in the plain test registry, e.g. `vigil/minbase:latest`. */
  readonly ref: string;
}

/** `expected/multiarch.json`: the index digest and each platform's manifest. */
export interface ExpectedIndex {
  readonly tag: string;
  readonly ref: string;
  readonly mediaType: string;
  /** Digest of the index itself (what the registry reports for the tag). */
  readonly manifestDigest: string;
  readonly manifestSize: number;
  readonly manifests: readonly ExpectedManifest[];
}

/**
 * One line of `expected/<tag>.dpkg-query.tsv`, i.e. of
 * `dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}\n'`.
 */
export interface DpkgQueryRow {
  /** `ii` for installed (dpkg writes `ii `; trimmed here). */
  readonly status: string;
  readonly package: string;
  readonly version: string;
  /** The source package (equal to `package` when the stanza has no `Source:`). */
  readonly sourcePackage: string;
  readonly sourceVersion: string;
  readonly architecture: string;
}

/** Reads `expected/<tag>.json` of a single-manifest test image. */
export function readExpectedImage(env: TestEnv, tag: TestImageTag): ExpectedImage {
  return JSON.parse(readFileSync(join(env.expectedDir, `${tag}.json`), "utf8")) as ExpectedImage;
}

/** Reads `expected/multiarch.json`. */
export function readExpectedIndex(env: TestEnv, tag = "multiarch"): ExpectedIndex {
  return JSON.parse(readFileSync(join(env.expectedDir, `${tag}.json`), "utf8")) as ExpectedIndex;
}

/** Reads the dpkg-query ground truth of a Debian test image (see {@link DpkgQueryRow}). */
export function readExpectedDpkg(
  env: TestEnv,
  tag: "minbase" | "python" | "multilayer" | "distroless-deb",
): DpkgQueryRow[] {
  const text = readFileSync(join(env.expectedDir, `${tag}.dpkg-query.tsv`), "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [status = "", pkg = "", version = "", sourcePackage = "", sourceVersion = "", architecture = ""] =
        line.split("\t");
      return { status: status.trim(), package: pkg, version, sourcePackage, sourceVersion, architecture };
    });
}
