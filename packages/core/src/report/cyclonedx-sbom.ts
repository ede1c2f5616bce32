import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type * as CycloneDx from "@cyclonedx/cyclonedx-library";
import type { ResolvedImage } from "../model/image.js";
import type { ImageInventory } from "../model/image-inventory.js";
import type { Package } from "../model/package.js";

/** Options of {@link renderCycloneDxSbom}. */
export interface CycloneDxSbomOptions {
  readonly image: ResolvedImage;
  readonly inventory: ImageInventory;
  /** Injected clock, so output is reproducible in tests. */
  readonly now: Date;
  readonly toolVersion: string;
}

/** Property names under Vigil's own namespace (CycloneDX property taxonomy convention). */
const PROP = {
  layerDigest: "vigil:layer:digest",
  layerDiffId: "vigil:layer:diff_id",
  path: "vigil:file:path",
  foundBy: "vigil:found_by",
  sourceName: "vigil:package:source_name",
  sourceVersion: "vigil:package:source_version",
} as const;

/**
 * The image inventory as a CycloneDX 1.6 JSON SBOM: the image is the metadata component,
 * the OS is an `operating-system` component, every package a `library` with its purl and
 * where it was found (layer, path) as properties. Lists are sorted so equal inventories
 * give byte-equal documents.
 */
export function renderCycloneDxSbom(options: CycloneDxSbomOptions): string {
  return serializeCycloneDx(buildCycloneDxSbom(options).bom);
}

/** The SBOM model of {@link renderCycloneDxSbom}, for documents that add to it (vulnerabilities). */
export interface CycloneDxSbomModel {
  readonly bom: CycloneDx.Models.Bom;
  /** The component of each inventory package, to point `affects` and dependencies at. */
  readonly components: ReadonlyMap<Package, CycloneDx.Models.Component>;
}

/** Build the SBOM model without serializing it (shared with the vulnerability report). @internal */
export function buildCycloneDxSbom(options: CycloneDxSbomOptions): CycloneDxSbomModel {
  const { Enums, Models } = cycloneDx();
  const { image, inventory, now } = options;
  const bom = new Models.Bom();
  bom.serialNumber = serialNumber(image.manifestDigest, now);
  bom.metadata.timestamp = now;
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, "vigil", {
      version: options.toolVersion,
      group: "vigil",
    }),
  );
  bom.metadata.component = imageComponent(image);
  if (inventory.os) {
    bom.components.add(
      new Models.Component(Enums.ComponentType.OperatingSystem, inventory.os.id, {
        bomRef: `os:${inventory.os.id}@${inventory.os.versionId ?? "unknown"}`,
        ...(inventory.os.versionId ? { version: inventory.os.versionId } : {}),
        ...(inventory.os.prettyName ? { description: inventory.os.prettyName } : {}),
      }),
    );
  }
  const refs = new Map<string, number>();
  const components = new Map<Package, CycloneDx.Models.Component>();
  for (const pkg of inventory.packages) {
    const c = component(pkg, refs);
    components.set(pkg, c);
    bom.components.add(c);
  }
  return { bom, components };
}

/** The image as the metadata component of a CycloneDX document. @internal */
export function imageComponent(image: ResolvedImage): CycloneDx.Models.Component {
  const { Enums, Models } = cycloneDx();
  const imageName = image.repository ?? image.reference;
  return new Models.Component(Enums.ComponentType.Container, imageName, {
    bomRef: image.manifestDigest,
    version: image.manifestDigest,
    purl: ociPurl(imageName, image.manifestDigest, image.platform.architecture),
    properties: new Models.PropertyRepository([
      new Models.Property("vigil:image:reference", image.reference),
      new Models.Property("vigil:image:config_digest", image.configDigest),
      new Models.Property("vigil:image:platform", platformText(image)),
      ...image.layers.map((l, i) => new Models.Property("vigil:image:layer", `${i} ${l.digest}`)),
    ]),
  });
}

/** Serialize a CycloneDX model as sorted, indented 1.6 JSON with a final newline. @internal */
export function serializeCycloneDx(bom: CycloneDx.Models.Bom): string {
  const { Serialize, Spec } = cycloneDx();
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}

/**
 * The CycloneDX library takes tens of milliseconds to load; only the four parts used here
 * are loaded, on first use, so commands that never write CycloneDX do not pay for it.
 */
export interface CycloneDxParts {
  readonly Enums: typeof CycloneDx.Enums;
  readonly Models: typeof CycloneDx.Models;
  readonly Serialize: typeof CycloneDx.Serialize;
  readonly Spec: typeof CycloneDx.Spec;
}
let loaded: CycloneDxParts | undefined;
/** The four CycloneDX library parts, loaded on first use. @internal */
export function cycloneDx(): CycloneDxParts {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = {
      Enums: require("@cyclonedx/cyclonedx-library/Enums"),
      Models: require("@cyclonedx/cyclonedx-library/Models"),
      Serialize: require("@cyclonedx/cyclonedx-library/Serialize"),
      Spec: require("@cyclonedx/cyclonedx-library/Spec"),
    };
  }
  return loaded;
}

function component(pkg: Package, refs: Map<string, number>): CycloneDx.Models.Component {
  const { Enums, Models } = cycloneDx();
  // Two copies of one package (say a jar in two places) share a purl; bom-refs must not.
  const seen = refs.get(pkg.purl) ?? 0;
  refs.set(pkg.purl, seen + 1);
  const properties = [
    new Models.Property(PROP.foundBy, pkg.foundBy),
    new Models.Property(PROP.layerDigest, pkg.location.layerDigest),
    new Models.Property(PROP.path, pkg.location.path),
  ];
  if (pkg.location.diffId) properties.push(new Models.Property(PROP.layerDiffId, pkg.location.diffId));
  if (pkg.sourceName) properties.push(new Models.Property(PROP.sourceName, pkg.sourceName));
  if (pkg.sourceVersion) properties.push(new Models.Property(PROP.sourceVersion, pkg.sourceVersion));
  const license = pkg.metadata?.license;
  return new Models.Component(Enums.ComponentType.Library, pkg.name, {
    bomRef: seen === 0 ? pkg.purl : `${pkg.purl}#${seen}`,
    version: pkg.version,
    purl: pkg.purl,
    properties: new Models.PropertyRepository(properties),
    ...(license ? { licenses: new Models.LicenseRepository([new Models.NamedLicense(license)]) } : {}),
  });
}

/** The image's package URL (`pkg:oci/<name>@<digest>?arch=…&repository_url=…`). @internal */
export function ociPurl(name: string, digest: string, arch: string): string {
  const base = name.split("/").pop() ?? name;
  const repositoryUrl = encodeURIComponent(name);
  return `pkg:oci/${encodeURIComponent(base)}@${encodeURIComponent(digest)}?arch=${encodeURIComponent(arch)}&repository_url=${repositoryUrl}`;
}

function platformText(image: ResolvedImage): string {
  const p = image.platform;
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/**
 * A deterministic RFC 4122-shaped serial number from the image (or another seed naming the
 * document) and the time. @internal
 */
export function serialNumber(seed: string, now: Date): string {
  const hex = createHash("sha256").update(`${seed}\n${now.toISOString()}`).digest("hex");
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
