import { describe, expect, it } from "vitest";
import { compilePathGlob } from "./path-glob.js";

const matches = (pattern: string, path: string) => {
  const glob = compilePathGlob(pattern);
  if (!glob.ok) throw new Error(glob.error);
  return glob.test(path);
};

describe("compilePathGlob", () => {
  it.each([
    ["/usr/lib/**", "/usr/lib", true],
    ["/usr/lib/**", "/usr/lib/x86_64-linux-gnu/libc.so.6", true],
    ["/usr/lib/**", "/usr/lib64/libc.so.6", false],
    ["usr/lib/*.so", "/usr/lib/libz.so", true],
    ["/usr/lib/*.so", "/usr/lib/sub/libz.so", false],
    ["/**/node_modules/**", "/node_modules/a/package.json", true],
    ["/**/node_modules/**", "/app/node_modules/lodash/package.json", true],
    ["/app/**/package.json", "/app/package.json", true],
    ["/app/**/package.json", "/app/a/b/package.json", true],
    ["/app/**/package.json", "/application/package.json", false],
    ["/opt/*/lib/?.jar", "/opt/app/lib/a.jar", true],
    ["/opt/*/lib/?.jar", "/opt/app/lib/ab.jar", false],
    ["/var/lib/{dpkg,apk}/**", "/var/lib/apk/db/installed", true],
    ["/var/lib/{dpkg,apk}/**", "/var/lib/rpm/Packages", false],
    ["/lib/libc[.-]*", "/lib/libc.so", true],
    ["/lib/libc[!.-]*", "/lib/libc.so", false],
    ["/a.b", "/aXb", false],
    ["/a+(b)", "/a+(b)", true],
  ])("%s against %s: %s", (pattern, path, expected) => {
    expect(matches(pattern, path)).toBe(expected);
  });

  it("reports bad patterns instead of throwing", () => {
    expect(compilePathGlob("/usr/{lib")).toEqual({ ok: false, error: 'unclosed "{"' });
    expect(compilePathGlob("/usr/[lib")).toEqual({ ok: false, error: 'unclosed "[" at character 6' });
    expect(compilePathGlob("/{a,{b}}")).toEqual({ ok: false, error: 'nested "{" at character 5' });
    expect(compilePathGlob("")).toEqual({ ok: false, error: "the pattern is empty" });
  });
});
