import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/**
 * The output directory of a fixture recipe script that follows the pattern of
 * scripts/test-env/build-images.sh (`print-dir`, `build`, a `done` marker written last),
 * building it first when it is missing or incomplete. The recipes cache their output outside
 * the checkout by recipe hash, so this costs a build once per recipe and toolchain.
 */
export async function ensureCachedBuild(script: string): Promise<string> {
  const dir = (await execFileAsync("bash", [script, "print-dir"])).stdout.trim();
  if (existsSync(join(dir, "done"))) return dir;
  console.log(`[vigil test] building ${dir} with ${script}`);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn("bash", [script, "build"], { stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (status, signal) => resolve(status ?? (signal ? 128 : 1)));
  });
  if (code !== 0 || !existsSync(join(dir, "done"))) {
    throw new Error(`${script} build failed (exit ${code}); run it by hand to see why`);
  }
  return dir;
}
