import type { OsFact } from "../../../model/os-info.js";
import {
  EMPTY_RESULT,
  type ExtractorInput,
  type ExtractorResult,
  type WholeFileExtractor,
} from "../../extractor.js";
import { parseOsRelease } from "./parse-os-release.js";

/**
 * Priorities when several files describe the OS (higher wins): os-release(5) says
 * `/etc/os-release` takes precedence over `/usr/lib/os-release`; distribution-specific
 * files are the fallback for images without os-release.
 */
const PRIORITY = {
  etcOsRelease: 100,
  usrLibOsRelease: 90,
  lsbRelease: 60,
  alpineRelease: 50,
  debianVersion: 40,
  redhatRelease: 30,
} as const;

const RELEASE_FILES = new Set([
  "/etc/os-release",
  "/usr/lib/os-release",
  "/etc/lsb-release",
  "/etc/alpine-release",
  "/etc/debian_version",
  "/etc/redhat-release",
  "/etc/centos-release",
  "/etc/rocky-release",
  "/etc/almalinux-release",
  "/etc/oracle-release",
  "/etc/fedora-release",
  "/etc/system-release",
]);

/** Identifies the operating system from os-release and the distribution release files. */
export function createOsReleaseExtractor(): WholeFileExtractor {
  return {
    name: "os/os-release",
    version: 1,
    maxFileSize: 64 * 1024,
    required: (path) => RELEASE_FILES.has(path),
    extract: extractOsRelease,
  };
}

function extractOsRelease({ path, content }: ExtractorInput): ExtractorResult {
  const text = content.toString("utf8");
  switch (path) {
    case "/etc/os-release":
    case "/usr/lib/os-release":
      return fromOsRelease(
        text,
        path,
        path === "/etc/os-release" ? PRIORITY.etcOsRelease : PRIORITY.usrLibOsRelease,
      );
    case "/etc/lsb-release":
      return fromLsbRelease(text, path);
    case "/etc/alpine-release": {
      const version = firstLine(text);
      return version
        ? facts({ id: "alpine", versionId: version, source: path, priority: PRIORITY.alpineRelease })
        : EMPTY_RESULT;
    }
    case "/etc/debian_version": {
      const version = firstLine(text);
      if (!version) return EMPTY_RESULT;
      // `bookworm/sid` names a testing/unstable system: no numeric release to match against.
      const numeric = /^\d+(\.\d+)*$/.test(version);
      return facts({
        id: "debian",
        ...(numeric ? { versionId: version.split(".")[0]! } : { versionCodename: version }),
        source: path,
        priority: PRIORITY.debianVersion,
      });
    }
    default:
      return fromRedhatRelease(text, path);
  }
}

function fromOsRelease(text: string, path: string, priority: number): ExtractorResult {
  const { fields, issues } = parseOsRelease(text);
  const id = fields.get("ID")?.toLowerCase();
  if (!id) {
    return {
      packages: [],
      issues: [
        ...issues,
        { severity: "warning", code: "os-release-no-id", message: "os-release has no ID field" },
      ],
    };
  }
  const idLike = fields.get("ID_LIKE")?.split(/\s+/).filter(Boolean);
  const fact: OsFact = {
    id,
    ...optional("versionId", fields.get("VERSION_ID")),
    ...optional("versionCodename", fields.get("VERSION_CODENAME")),
    ...optional("name", fields.get("NAME")),
    ...optional("prettyName", fields.get("PRETTY_NAME")),
    ...(idLike && idLike.length > 0 ? { idLike } : {}),
    source: path,
    priority,
  };
  return { packages: [], osFacts: [fact], issues };
}

function fromLsbRelease(text: string, path: string): ExtractorResult {
  const { fields, issues } = parseOsRelease(text);
  const id = fields.get("DISTRIB_ID")?.toLowerCase();
  if (!id) return { packages: [], issues };
  const fact: OsFact = {
    id,
    ...optional("versionId", fields.get("DISTRIB_RELEASE")),
    ...optional("versionCodename", fields.get("DISTRIB_CODENAME")),
    ...optional("prettyName", fields.get("DISTRIB_DESCRIPTION")),
    source: path,
    priority: PRIORITY.lsbRelease,
  };
  return { packages: [], osFacts: [fact], issues };
}

/** `Red Hat Enterprise Linux release 8.4 (Ootpa)`, `CentOS Linux release 7.9.2009 (Core)` ... */
const REDHAT_FAMILY: readonly [RegExp, string][] = [
  [/^Red Hat Enterprise Linux/i, "rhel"],
  [/^CentOS Stream/i, "centos"],
  [/^CentOS/i, "centos"],
  [/^Rocky Linux/i, "rocky"],
  [/^AlmaLinux/i, "almalinux"],
  [/^Oracle Linux/i, "ol"],
  [/^Fedora/i, "fedora"],
  [/^Amazon Linux/i, "amzn"],
];

function fromRedhatRelease(text: string, path: string): ExtractorResult {
  const line = firstLine(text);
  if (!line) return EMPTY_RESULT;
  const family = REDHAT_FAMILY.find(([pattern]) => pattern.test(line));
  const version = /release\s+(\d+(?:\.\d+)*)/i.exec(line)?.[1];
  if (!family || !version) {
    return {
      packages: [],
      issues: [
        {
          severity: "info",
          code: "release-file-unrecognized",
          message: `unrecognized release line ${JSON.stringify(line.slice(0, 80))}`,
        },
      ],
    };
  }
  return facts({
    id: family[1],
    versionId: version,
    prettyName: line,
    source: path,
    priority: PRIORITY.redhatRelease,
  });
}

function facts(fact: OsFact): ExtractorResult {
  return { packages: [], osFacts: [fact], issues: [] };
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/, 1)[0] ?? "").trim();
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
