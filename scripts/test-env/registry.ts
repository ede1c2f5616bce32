import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type BasicAuth, httpRequest } from "./http-request.js";
import { writableCacheRoot } from "./paths.js";

const execFileAsync = promisify(execFile);

/** Options of {@link startRegistry}. */
export interface RegistryOptions {
  /** Serve HTTPS with the test CA's server certificate (SAN IP:127.0.0.1, DNS:localhost). */
  readonly tls?: boolean;
  /** Require HTTP basic authentication (htpasswd, bcrypt) with these credentials. */
  readonly basicAuth?: BasicAuth;
  /** Storage directory to serve (and keep); default: a fresh temp dir deleted by `stop()`. */
  readonly dataDir?: string;
  /** Refuse pushes and deletes (distribution's maintenance.readonly): protects a shared dataDir. */
  readonly readOnly?: boolean;
}

/** A running `docker-registry` started by {@link startRegistry}. */
export interface RunningRegistry {
  /** `127.0.0.1:PORT`, the registry part of an image reference. */
  readonly host: string;
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** PEM CA that signed the server certificate (TLS only). */
  readonly caFile?: string;
  /** A directory holding only `ca.crt`, for skopeo's `--dest-cert-dir`/`--src-cert-dir` (TLS only). */
  readonly certDir?: string;
  /** The storage directory being served. */
  readonly dataDir: string;
  /** Process id of the registry itself. */
  readonly pid: number;
  /** Stops the registry and removes its temp dir; safe to call twice. */
  stop(): Promise<void>;
}

/** The test CA and the server certificate the TLS registries use. */
export interface TestTls {
  readonly caFile: string;
  readonly caKeyFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** A directory holding only `ca.crt` (skopeo treats any `*.key` there as a client key). */
  readonly certDir: string;
}

/** Starting a registry failed; `message` says why and carries the end of its log. */
export class RegistryStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RegistryStartError";
  }
}

/** A skopeo command failed; `message` holds its stderr. */
export class SkopeoError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SkopeoError";
  }
}

// Runs the registry under a small bash watchdog that holds a pipe from this process on stdin:
// when this process dies in any way (even SIGKILL, when no "exit" handler runs) the pipe closes
// and the watchdog stops the registry and removes its temp dir ($3), so no registry outlives
// the test run that started it. (stop() and a failed start leave the dir to this process.)
const WATCHDOG = `
docker-registry serve "$1" </dev/null >>"$2" 2>&1 &
reg=$!
trap 'kill -TERM "$reg" 2>/dev/null; wait "$reg"; exit 0' TERM INT HUP
echo "$reg"
while kill -0 "$reg" 2>/dev/null; do
  read -r -t 1 _ && continue
  if [ $? -le 128 ]; then
    kill -TERM "$reg" 2>/dev/null; wait "$reg"; rm -rf -- "$3"; exit 0
  fi
done
wait "$reg"
`;

interface LiveRegistry {
  readonly group: number;
  readonly workDir: string;
}
const live = new Set<LiveRegistry>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const registry of live) {
      try {
        process.kill(-registry.group, "SIGTERM");
      } catch {
        // already gone
      }
      rmSync(registry.workDir, { recursive: true, force: true });
    }
  });
}

/**
 * The test CA and a server certificate for 127.0.0.1, made with openssl once and kept in the
 * cache (`<cache>/tls/`): certificates are valid for ten years and no port is baked in.
 */
export async function ensureTestTls(): Promise<TestTls> {
  const root = writableCacheRoot();
  const dir = join(root, "tls");
  const files = tlsFiles(dir);
  if (Object.values(files).every((file) => existsSync(file))) return files;
  const tmp = mkdtempSync(join(root, "tls.tmp-"));
  try {
    await generateTls(tmp);
    try {
      renameSync(tmp, dir);
    } catch (error) {
      // another run made it first; use theirs
      if (!existsSync(join(dir, "certs.d", "ca.crt"))) throw error;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return files;
}

function tlsFiles(dir: string): TestTls {
  return {
    caFile: join(dir, "ca.crt"),
    caKeyFile: join(dir, "ca.key"),
    certFile: join(dir, "server.crt"),
    keyFile: join(dir, "server.key"),
    certDir: join(dir, "certs.d"),
  };
}

async function generateTls(dir: string): Promise<void> {
  const f = tlsFiles(dir);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const openssl = async (args: string[]): Promise<void> => {
    try {
      await execFileAsync("openssl", args, { cwd: dir });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? "";
      throw new RegistryStartError(`openssl ${args[0]} failed: ${stderr.trim() || String(error)}`, {
        cause: error,
      });
    }
  };
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-days",
    "3650",
    "-subj",
    "/CN=Vigil test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout",
    f.caKeyFile,
    "-out",
    f.caFile,
  ]);
  await openssl(["req", "-new", ...ec, "-subj", "/CN=127.0.0.1", "-keyout", f.keyFile, "-out", "server.csr"]);
  writeFileSync(
    join(dir, "server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n" +
      "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    f.caFile,
    "-CAkey",
    f.caKeyFile,
    "-CAcreateserial",
    "-days",
    "3650",
    "-extfile",
    "server.ext",
    "-out",
    f.certFile,
  ]);
  chmodSync(f.caKeyFile, 0o600);
  chmodSync(f.keyFile, 0o600);
  mkdirSync(f.certDir);
  writeFileSync(join(f.certDir, "ca.crt"), readFileSync(f.caFile));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function htpasswdLine(auth: BasicAuth): Promise<string> {
  try {
    // bcrypt is the only hash distribution's htpasswd backend accepts
    const { stdout } = await execFileAsync("htpasswd", ["-nbB", auth.user, auth.password]);
    return stdout.trim();
  } catch (error) {
    throw new RegistryStartError(
      "htpasswd failed; it comes with Debian's apache2-utils (npm test installs it when run as root)",
      { cause: error },
    );
  }
}

function registryConfig(options: {
  port: number;
  dataDir: string;
  readOnly: boolean;
  tls: TestTls | undefined;
  htpasswd: string | undefined;
}): string {
  const lines = [
    "version: 0.1",
    "log:",
    "  level: warn",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(options.dataDir)}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "    readonly:",
    `      enabled: ${options.readOnly}`,
    "http:",
    `  addr: 127.0.0.1:${options.port}`,
    "  secret: vigil-test-only",
    "  headers:",
    "    X-Content-Type-Options: [nosniff]",
  ];
  if (options.tls) {
    lines.push(
      "  tls:",
      `    certificate: ${JSON.stringify(options.tls.certFile)}`,
      `    key: ${JSON.stringify(options.tls.keyFile)}`,
    );
  }
  if (options.htpasswd) {
    lines.push(
      "auth:",
      "  htpasswd:",
      "    realm: vigil-test",
      `    path: ${JSON.stringify(options.htpasswd)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, "utf8").trim().split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
}

async function commandExists(command: string): Promise<boolean> {
  try {
    await execFileAsync("sh", ["-c", `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

interface Launched {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<void>;
  hasExited(): boolean;
}

async function launch(configFile: string, logFile: string, workDir: string): Promise<Launched> {
  const child = spawn("bash", ["-c", WATCHDOG, "vigil-registry", configFile, logFile, workDir], {
    detached: true, // own process group: stop() signals the watchdog and the registry together
    stdio: ["pipe", "pipe", "ignore"],
  });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  const pid = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.once("error", reject);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve(Number(line));
    });
    void exitedPromise.then(() => reject(new Error("the registry watchdog exited at once")));
  });
  // neither the child nor its pipes keep this process alive; the exit hook and the watchdog clean up
  child.unref();
  for (const stream of [child.stdin, child.stdout]) (stream as unknown as { unref?: () => void }).unref?.();
  return { child, pid, exited: exitedPromise, hasExited: () => exited };
}

async function waitReady(url: string, caFile: string | undefined, launched: Launched): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (launched.hasExited()) throw new Error("the registry exited");
    try {
      const res = await httpRequest(`${url}/v2/`, { caFile, timeoutMs: 1000 });
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no answer from ${url}/v2/ within 20 s`);
}

async function stopLaunched(launched: Launched): Promise<void> {
  if (launched.hasExited()) return;
  const group = launched.child.pid;
  if (group === undefined) return;
  try {
    process.kill(-group, "SIGTERM");
  } catch {
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const killed = await Promise.race([
    launched.exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 5000);
    }),
  ]);
  clearTimeout(timer); // a pending timer would keep this process alive for 5 s
  if (!killed) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // gone meanwhile
    }
    await launched.exited;
  }
}

/**
 * Starts Debian's `docker-registry` (distribution 2.8) on a free loopback port and waits until
 * `/v2/` answers. Config, htpasswd and log live in a temp dir removed by `stop()`; the process
 * is also stopped when this process exits (see the watchdog above).
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  if (!(await commandExists("docker-registry"))) {
    throw new RegistryStartError(
      "docker-registry is not installed: apt-get install docker-registry (npm test installs it when run as root)",
    );
  }
  installExitHook();
  const workDir = mkdtempSync(join(tmpdir(), "vigil-registry-"));
  try {
    const dataDir = options.dataDir ?? join(workDir, "data");
    mkdirSync(dataDir, { recursive: true });
    const tls = options.tls ? await ensureTestTls() : undefined;
    let htpasswd: string | undefined;
    if (options.basicAuth) {
      htpasswd = join(workDir, "htpasswd");
      writeFileSync(htpasswd, `${await htpasswdLine(options.basicAuth)}\n`);
    }
    const configFile = join(workDir, "config.yml");
    const logFile = join(workDir, "registry.log");
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      writeFileSync(
        configFile,
        registryConfig({ port, dataDir, readOnly: options.readOnly ?? false, tls, htpasswd }),
      );
      const host = `127.0.0.1:${port}`;
      const url = `${tls ? "https" : "http"}://${host}`;
      const launched = await launch(configFile, logFile, workDir);
      const entry: LiveRegistry = { group: launched.child.pid ?? launched.pid, workDir };
      live.add(entry);
      try {
        await waitReady(url, tls?.caFile, launched);
      } catch (error) {
        await stopLaunched(launched);
        live.delete(entry);
        const log = logTail(logFile);
        // the port was free when probed, but another process may have taken it since
        if (attempt < 3 && /address already in use/.test(log)) continue;
        throw new RegistryStartError(`docker-registry did not start on ${host}: ${String(error)}\n${log}`, {
          cause: error,
        });
      }
      let stopped: Promise<void> | undefined;
      return {
        host,
        url,
        caFile: tls?.caFile,
        certDir: tls?.certDir,
        dataDir,
        pid: launched.pid,
        stop() {
          stopped ??= stopLaunched(launched).then(() => {
            live.delete(entry);
            rmSync(workDir, { recursive: true, force: true });
          });
          return stopped;
        },
      };
    }
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Starts several registries side by side; if any fails, stops the others and throws its error.
 * The result has one registry per options object, in order.
 */
export async function startRegistries(list: readonly RegistryOptions[]): Promise<RunningRegistry[]> {
  const results = await Promise.allSettled(list.map((options) => startRegistry(options)));
  const running = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    await Promise.all(running.map((r) => r.stop()));
    throw failed.reason;
  }
  return running;
}

/** Options of {@link pushImage}. */
export interface PushImageOptions {
  /** Credentials for the destination registry. */
  readonly creds?: BasicAuth;
  /** Directory with the CA (`ca.crt`) of an https registry; without it TLS is not verified (plain http). */
  readonly certDir?: string;
  /** Manifest format to write: `v2s2` is Docker schema 2, `oci` (skopeo's default for OCI sources). */
  readonly format?: "v2s2" | "oci";
  /** Copy a whole index (every platform), not just the manifest for this machine. */
  readonly all?: boolean;
}

/**
 * Copies an image from an OCI layout to a registry with skopeo.
 * @param fromOciLayoutRef `<layout dir>:<tag>`, with or without the `oci:` transport prefix
 * @param toDockerRef `host:port/repo:tag`, with or without `docker://`
 */
export async function pushImage(
  fromOciLayoutRef: string,
  toDockerRef: string,
  options: PushImageOptions = {},
): Promise<void> {
  const source = fromOciLayoutRef.startsWith("oci:") ? fromOciLayoutRef : `oci:${fromOciLayoutRef}`;
  const dest = toDockerRef.startsWith("docker://") ? toDockerRef : `docker://${toDockerRef}`;
  // --insecure-policy: no /etc/containers/policy.json needed; these are our own images
  const args = ["copy", "--quiet", "--insecure-policy", "--retry-times", "2"];
  if (options.certDir) args.push("--dest-cert-dir", options.certDir);
  else args.push("--dest-tls-verify=false");
  if (options.creds) args.push("--dest-creds", `${options.creds.user}:${options.creds.password}`);
  if (options.format) args.push("--format", options.format);
  if (options.all) args.push("--all");
  args.push(source, dest);
  try {
    await execFileAsync("skopeo", args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new SkopeoError(`skopeo copy ${source} ${dest} failed: ${stderr || String(error)}`, {
      cause: error,
    });
  }
}
