/**
 * A PostgreSQL instance of the test's own, so that a test may stop and restart it: never the
 * machine's shared server on 5432, which other work uses. initdb refuses to run as root, so
 * the cluster belongs to the `postgres` user and every server command runs through runuser.
 */
import { execFile, execFileSync } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The server binaries: `$VIGIL_TEST_PG_BIN`, or Debian's newest `/usr/lib/postgresql/<major>/bin`
 * (the PostgreSQL package the test database on 5432 comes from).
 */
function serverBinaries(): string {
  const given = process.env.VIGIL_TEST_PG_BIN;
  if (given) return given;
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(
      `no PostgreSQL server binaries under ${root}/<major>/bin: install Debian's postgresql package, or set VIGIL_TEST_PG_BIN to the directory holding initdb and pg_ctl`,
    );
  }
  return join(root, majors[0] as string, "bin");
}

/** A running private PostgreSQL (trust auth, user `postgres`, database `postgres`). */
export interface PrivatePostgres {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  /** Stops the server (`pg_ctl stop -m fast`: sessions are ended, as at a failover). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/** A free loopback TCP port (closed again at once; PostgreSQL takes it right after). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function asPostgres(command: string, args: readonly string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  await run(file, argv, { timeout: 60_000 });
}

/** initdb in a new temporary directory and start the server on a free port. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const BIN = serverBinaries();
  const dir = mkdtempSync(join(tmpdir(), "vigil-private-pg-"));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  await asPostgres(join(BIN, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "-A",
    "trust",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  const port = await freePort();
  const settings = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
  ];
  appendFileSync(join(data, "postgresql.conf"), `\n${settings.join("\n")}\n`);
  const log = join(dir, "server.log");
  const start = () => asPostgres(join(BIN, "pg_ctl"), ["-D", data, "-l", log, "-w", "-t", "30", "start"]);
  const stop = () => asPostgres(join(BIN, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]);
  await start();
  let running = true;
  // a test process that dies without its afterAll must not leave a postmaster behind
  const stopOnExit = (): void => {
    if (!running) return;
    const args = [join(BIN, "pg_ctl"), "-D", data, "-m", "immediate", "stop"];
    try {
      if (process.getuid?.() === 0)
        execFileSync("runuser", ["-u", "postgres", "--", ...args], { stdio: "ignore" });
      else execFileSync(args[0] as string, args.slice(1), { stdio: "ignore" });
    } catch {
      // already stopped
    }
  };
  process.once("exit", stopOnExit);
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      process.off("exit", stopOnExit);
      if (running) await stop().catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
