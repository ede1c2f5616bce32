import { isMap, isScalar, type Pair, type YAMLMap } from "yaml";
import type { ExtractorIssue } from "../../extractor.js";

/** Importer sections whose packages are installed in production (`pnpm install --prod`). */
const PROD_SECTIONS = ["dependencies", "optionalDependencies"] as const;

/** Snapshot edges; `transitivePeerDependencies` lists names only, and resolved peers are in `dependencies`. */
const SNAPSHOT_EDGES = ["dependencies", "optionalDependencies"] as const;

/**
 * The `packages` keys (see {@link packageKeyOf}) that only dev dependencies need, from the
 * graph of a lockfile that keeps it in `snapshots` (lockfile 9, and the later lockfile 7 of
 * pnpm 9's pre-releases, pnpm/pnpm#7700). Those no longer write `dev: true`, so this decides
 * it as pnpm did when it wrote the flag (`copyDependencySubGraph` in `@pnpm/lockfile.pruner`,
 * `getDevOnlyDepPaths` in `@pnpm/lockfile.utils`): walk from every importer's
 * `devDependencies`, then from its `dependencies` and `optionalDependencies`; a package is
 * dev when the first walk reaches one of its snapshots and the second reaches none.
 * `link:` references are workspace projects, which are importers with roots of their own,
 * so they are not followed. A reference to a snapshot the file lacks is a warning (pnpm:
 * "Cannot find resolution").
 */
export function devOnlyPackageKeys(
  root: YAMLMap,
  snapshots: YAMLMap,
  lineOf: (offset: number | undefined) => number | undefined,
  issues: ExtractorIssue[],
): Set<string> {
  const edges = new Map<string, string[]>();
  for (const pair of snapshots.items) {
    if (!isScalar(pair.key)) continue;
    const key = stripSlash(String(pair.key.value));
    edges.set(key, edges.get(key) ?? []);
  }
  const resolve = (owner: string, section: YAMLMap, pick: (pair: Pair) => unknown, out: string[]) => {
    for (const pair of section.items) {
      if (!isScalar(pair.key)) continue;
      const alias = String(pair.key.value);
      const reference = pick(pair);
      if (typeof reference !== "string") continue;
      const target = snapshotOf(reference, alias, edges);
      if (target === null) continue;
      if (target === undefined) {
        const line = lineOf(pair.key.range?.[0]);
        issues.push({
          severity: "warning",
          code: "pnpm-lock-missing-snapshot",
          message: `pnpm-lock.yaml ${owner} depends on ${alias} ${reference}, which has no snapshot; dev marking may be wrong`,
          ...(line !== undefined ? { line } : {}),
          record: owner,
        });
        continue;
      }
      out.push(target);
    }
  };

  for (const pair of snapshots.items) {
    if (!isScalar(pair.key) || !isMap(pair.value)) continue;
    const key = String(pair.key.value);
    const out = edges.get(stripSlash(key))!;
    for (const name of SNAPSHOT_EDGES) {
      const section = pair.value.get(name);
      if (isMap(section)) resolve(`snapshot ${key}`, section, (dep) => scalarText(dep.value), out);
    }
  }

  const prodRoots: string[] = [];
  const devRoots: string[] = [];
  const importers = root.get("importers");
  for (const pair of isMap(importers) ? importers.items : []) {
    if (!isScalar(pair.key) || !isMap(pair.value)) continue;
    const owner = `importer ${String(pair.key.value)}`;
    // v6+ write `{ specifier, version }`; v5 wrote the version alone.
    const version = (dep: Pair) => (isMap(dep.value) ? dep.value.get("version") : scalarText(dep.value));
    for (const name of PROD_SECTIONS) {
      const section = pair.value.get(name);
      if (isMap(section)) resolve(owner, section, version, prodRoots);
    }
    const dev = pair.value.get("devDependencies");
    if (isMap(dev)) resolve(owner, dev, version, devRoots);
  }

  const prod = new Set([...reach(prodRoots, edges)].map(packageKeyOf));
  const devOnly = new Set<string>();
  for (const snapshot of reach(devRoots, edges)) {
    const key = packageKeyOf(snapshot);
    if (!prod.has(key)) devOnly.add(key);
  }
  return devOnly;
}

/**
 * The snapshot a dependency reference points at, as pnpm's `refToRelative` (lockfile 9)
 * finds it: `null` for a `link:` (a workspace project); the reference itself when it
 * already names a package (an alias, `other@1.0.0` or `@scope/other@1.0.0`); otherwise
 * `<name>@<reference>` (a version, perhaps with a peer suffix, or a tarball or `file:` URL).
 * `undefined` when the lockfile has no such snapshot. pnpm writes aliases without `npm:`,
 * but a hand-edited `npm:other@1.0.0` is read as the alias it means.
 */
function snapshotOf(
  reference: string,
  name: string,
  snapshots: ReadonlyMap<string, unknown>,
): string | null | undefined {
  if (reference.startsWith("link:")) return null;
  const bare = reference.startsWith("npm:") ? reference.slice(4) : reference;
  for (const candidate of [depPathOf(bare, name), depPathOf(reference, name)]) {
    if (snapshots.has(candidate)) return candidate;
  }
  return undefined;
}

function depPathOf(reference: string, name: string): string {
  if (reference.startsWith("@") || reference.startsWith("/")) return stripSlash(reference);
  const at = reference.indexOf("@");
  if (at === -1) return `${name}@${reference}`;
  const colon = reference.indexOf(":");
  const bracket = reference.indexOf("(");
  const namesPackage = (colon === -1 || at < colon) && (bracket === -1 || at < bracket);
  return namesPackage ? reference : `${name}@${reference}`;
}

/** Every snapshot reachable from `roots` (iterative, so cycles and deep graphs are fine). */
function reach(roots: readonly string[], edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    for (const target of edges.get(next) ?? []) if (!seen.has(target)) stack.push(target);
  }
  return seen;
}

/**
 * The `packages` key of a snapshot key: without the leading `/` of lockfile 7 and without
 * the trailing parenthesised groups (peers, `patch_hash=`), which may nest
 * (`a@1.0.0(b@2.0.0(c@3.0.0))`); see `indexOfPeersSuffix` in `@pnpm/dependency-path`.
 */
export function packageKeyOf(key: string): string {
  const path = stripSlash(key);
  let end = path.length;
  while (end > 0 && path[end - 1] === ")") {
    let depth = 0;
    let start = end - 1;
    for (; start >= 0; start--) {
      if (path[start] === ")") depth++;
      else if (path[start] === "(" && --depth === 0) break;
    }
    if (start <= 0) break;
    end = start;
  }
  return path.slice(0, end);
}

function stripSlash(key: string): string {
  return key.startsWith("/") ? key.slice(1) : key;
}

function scalarText(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === "string" ? node.value : undefined;
}
