import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A keyed JSON store in a directory (the shape behind the directory caches). */
export interface DirectoryJsonStore<T> {
  get(key: string): Promise<T | undefined>;
  put(key: string, value: T): Promise<void>;
}

/**
 * One JSON file per key under `dir/kind/`, written to a temporary name and renamed into
 * place so a crash never leaves a half-written entry. An unreadable or invalid entry is a
 * miss, not an error: the caller simply computes it again.
 */
export function createDirectoryJsonStore<T>(
  dir: string,
  kind: string,
  isValid: (value: unknown) => value is T,
): DirectoryJsonStore<T> {
  const fileOf = (key: string) => join(dir, kind, key.slice(0, 2), `${key}.json`);
  return {
    async get(key) {
      try {
        const value: unknown = JSON.parse(await readFile(fileOf(key), "utf8"));
        return isValid(value) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    async put(key, value) {
      const file = fileOf(key);
      await mkdir(join(file, ".."), { recursive: true });
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temp, JSON.stringify(value));
      await rename(temp, file);
    },
  };
}
