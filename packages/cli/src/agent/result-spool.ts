import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * What an agent holds until the server accepts it: one file per scan in the spool directory,
 * so a result survives the server being down and the agent restarting. A file is written to a
 * temporary name, fsync'd, renamed into place, and the directory fsync'd, so after a crash it
 * is either whole or absent. It is deleted only after the server answered 2xx; one the server
 * refuses for good (4xx other than 429) moves to `rejected/` with the reason beside it, so it is
 * kept for a person to look at and not sent forever.
 */
export interface SpooledDelivery {
  /** `result`: a ClusterScanResult (mode `scan`); `discovery`: the running containers (mode `discover`). */
  readonly kind: "result" | "discovery";
  readonly scanId: string;
  /** The JSON body to send (a discovery's pull credentials are read again when it is sent, never spooled). */
  readonly body: Record<string, unknown>;
}

/** The spool directory. */
export interface ResultSpool {
  readonly dir: string;
  /** Writes a delivery durably; replaces one for the same scan. */
  put(delivery: SpooledDelivery): Promise<void>;
  /** File names waiting, oldest first (names sort by write time). */
  pending(): Promise<string[]>;
  read(name: string): Promise<SpooledDelivery>;
  /** The server took it: forget it. */
  remove(name: string): Promise<void>;
  /** The server refused it for good: keep it under `rejected/` with `<name>.reason.txt`. */
  reject(name: string, reason: string): Promise<void>;
}

const SUFFIX = ".json";

/** The spool in `dir` (created when missing, with `rejected/`). */
export async function openResultSpool(dir: string): Promise<ResultSpool> {
  await mkdir(join(dir, "rejected"), { recursive: true, mode: 0o700 });
  const syncDir = async (path: string) => {
    const handle = await open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
  const pending = async () =>
    (await readdir(dir)).filter((name) => name.endsWith(SUFFIX) && !name.startsWith(".")).sort();
  return {
    dir,
    async put(delivery) {
      // time first, so names sort in the order results were produced
      const name = `${Date.now().toString().padStart(15, "0")}-${safe(delivery.scanId)}${SUFFIX}`;
      const temporary = join(dir, `.${name}.${randomBytes(4).toString("hex")}.tmp`);
      const handle = await open(temporary, "wx", 0o600);
      try {
        await handle.writeFile(JSON.stringify(delivery));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, join(dir, name));
      // an older delivery of the same scan (claimed again after a restart) is replaced
      for (const old of await pending()) {
        if (old !== name && old.endsWith(`-${safe(delivery.scanId)}${SUFFIX}`))
          await rm(join(dir, old), { force: true });
      }
      await syncDir(dir);
    },
    pending,
    async read(name) {
      return JSON.parse(await readFile(join(dir, name), "utf8")) as SpooledDelivery;
    },
    async remove(name) {
      await rm(join(dir, name), { force: true });
      await syncDir(dir);
    },
    async reject(name, reason) {
      // the delivery first, then its reason whole (written aside and renamed): whoever sees the
      // reason sees all of it, and the delivery out of the pending ones
      await rename(join(dir, name), join(dir, "rejected", name));
      const temporary = join(dir, "rejected", `.${name}.reason.${randomBytes(4).toString("hex")}.tmp`);
      await writeFile(temporary, `${reason}\n`, { mode: 0o600 });
      await rename(temporary, join(dir, "rejected", `${name}.reason.txt`));
      await syncDir(join(dir, "rejected"));
      await syncDir(dir);
    },
  };
}

/** A scan id as part of a file name. */
function safe(scanId: string): string {
  return scanId.replace(/[^A-Za-z0-9._-]/g, "_");
}
