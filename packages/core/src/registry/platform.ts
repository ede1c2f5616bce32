import type { Descriptor, Platform } from "../model/image.js";
import { ImageSourceError, PlatformNotFoundError } from "./errors.js";

/**
 * Platforms (`os/arch[/variant]`) and choosing one manifest from an index. Normalization
 * follows the conventions of containerd's platforms package
 * (https://github.com/containerd/platforms): `x86_64` ≡ `amd64`, `aarch64` ≡ `arm64`,
 * arm64 without a variant is `v8`, arm without a variant is `v7`.
 */

/** linux/amd64, what Vigil picks from an index when no platform is requested. */
export const DEFAULT_PLATFORM: Platform = { os: "linux", architecture: "amd64" };

/** A `--platform` value that is not `os/arch[/variant]`. */
export class InvalidPlatformError extends ImageSourceError {
  constructor(readonly value: string) {
    super(
      `Invalid platform "${value}": write it as os/arch or os/arch/variant, e.g. linux/amd64 or linux/arm64/v8.`,
    );
  }
}

/** Parse `linux/arm64/v8`, `linux/amd64`; throws {@link InvalidPlatformError}. */
export function parsePlatform(value: string): Platform {
  const parts = value.trim().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9_.-]+$/.test(p))) {
    throw new InvalidPlatformError(value);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** `os/arch[/variant]`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter((p) => p).join("/");
}

/** Canonical spelling of os, architecture and variant (see the module comment). */
export function normalizePlatform(platform: Platform): Platform {
  let os = platform.os.toLowerCase();
  if (os === "macos") os = "darwin";
  let architecture = platform.architecture.toLowerCase();
  let variant = platform.variant?.toLowerCase() ?? "";
  switch (architecture) {
    case "x86_64":
    case "x86-64":
      architecture = "amd64";
      break;
    case "i386":
    case "i686":
    case "x86":
      architecture = "386";
      break;
    case "aarch64":
      architecture = "arm64";
      break;
    case "armhf":
      architecture = "arm";
      variant = "v7";
      break;
    case "armel":
      architecture = "arm";
      variant = "v6";
      break;
  }
  if (/^\d+$/.test(variant)) variant = `v${variant}`;
  if (architecture === "arm64" && (variant === "" || variant === "v8.0")) variant = "v8";
  if (architecture === "arm" && variant === "") variant = "v7";
  if (architecture === "amd64" && variant === "v1") variant = "";
  return {
    os,
    architecture,
    ...(variant ? { variant } : {}),
    ...(platform.osVersion ? { osVersion: platform.osVersion } : {}),
  };
}

/**
 * How well `candidate` serves `wanted`: 0 exact, 1 compatible (an older arm variant, or
 * any amd64 micro-architecture level when none was asked for), undefined if it does not.
 */
export function platformMatchRank(wanted: Platform, candidate: Platform): number | undefined {
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os || w.architecture !== c.architecture) return undefined;
  if ((w.variant ?? "") === (c.variant ?? "")) return 0;
  if (w.architecture === "arm") {
    const order = ["v8", "v7", "v6", "v5"];
    const wi = order.indexOf(w.variant ?? "");
    const ci = order.indexOf(c.variant ?? "");
    if (wi >= 0 && ci > wi) return ci - wi;
  }
  if (w.architecture === "amd64" && !wanted.variant) return 1;
  return undefined;
}

/** True for the `unknown/unknown` entries that BuildKit adds for attestations. */
function isAttestation(d: Descriptor): boolean {
  return (
    d.platform?.os === "unknown" || d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest"
  );
}

/**
 * Choose the manifest for `wanted` from an index's entries (the first best match, in index
 * order; a lone entry without a platform is taken as is). Throws {@link PlatformNotFoundError} listing what the index offers.
 */
export function choosePlatformManifest(
  manifests: readonly Descriptor[],
  wanted: Platform,
  where: string,
): Descriptor {
  let best: Descriptor | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const d of manifests) {
    if (!d.platform || isAttestation(d)) continue;
    const rank = platformMatchRank(wanted, d.platform);
    if (rank !== undefined && rank < bestRank) {
      best = d;
      bestRank = rank;
    }
  }
  if (best) return best;
  // An index without any platform information (allowed: `platform` is optional) that holds
  // a single image is unambiguous.
  const plain = manifests.filter((d) => !isAttestation(d));
  if (plain.length === 1 && !plain[0]!.platform) return plain[0]!;
  const offered = [
    ...new Set(
      manifests.filter((d) => d.platform && !isAttestation(d)).map((d) => formatPlatform(d.platform!)),
    ),
  ];
  throw new PlatformNotFoundError(where, formatPlatform(wanted), offered);
}
