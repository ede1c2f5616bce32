import { posix } from "node:path";

/**
 * Turn a path from a tar header into an absolute path inside the image, or `undefined`
 * when it climbs out of the root (`../etc/passwd`). Nothing ever touches the host
 * filesystem; this only keeps the scanner's own view of the image honest.
 */
export function toImagePath(tarPath: string): string | undefined {
  if (tarPath.includes("\0")) return undefined;
  const segments: string[] = [];
  for (const part of tarPath.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (segments.length === 0) return undefined;
      segments.pop();
      continue;
    }
    segments.push(part);
  }
  return `/${segments.join("/")}`;
}

/**
 * Resolve a symlink target the way a container runtime does inside the image root:
 * absolute targets start at the root and `..` stops at the root.
 */
export function resolveLinkInImage(linkPath: string, target: string): string {
  const base = target.startsWith("/") ? target : posix.join(posix.dirname(linkPath), target);
  const segments: string[] = [];
  for (const part of base.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") segments.pop();
    else segments.push(part);
  }
  return `/${segments.join("/")}`;
}

/** Does a relative or absolute link target climb above the image root when followed from `linkPath`? */
export function linkEscapesRoot(linkPath: string, target: string): boolean {
  if (target.startsWith("/")) return false;
  let depth = linkPath.split("/").filter((s) => s !== "").length - 1;
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      depth -= 1;
      if (depth < 0) return true;
    } else depth += 1;
  }
  return false;
}

/** Is `path` equal to `dir` or inside it? Both absolute image paths. */
export function isWithin(path: string, dir: string): boolean {
  if (dir === "/") return true;
  return path === dir || path.startsWith(`${dir}/`);
}
