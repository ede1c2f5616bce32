import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExtractedPackage } from "../../../model/package.js";
import type { ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { createJavaArchiveExtractor } from "./java-archive-extractor.js";
import {
  buildJar,
  type JarMember,
  manifest,
  membersFromDirectory,
  pomProperties,
} from "./test-support/jar-builder.js";

const testdata = join(import.meta.dirname, "testdata");
const jarMetadata = (name: string) => membersFromDirectory(join(testdata, "syft/jar-metadata", name));
const manifestFixture = (file: string): JarMember => ({
  name: "META-INF/MANIFEST.MF",
  data: readFileSync(join(testdata, file)),
});

async function run(
  path: string,
  content: Buffer,
  extractor: WholeFileExtractor = createJavaArchiveExtractor(),
) {
  return extractor.extract({ path, content, info: { size: content.length, mode: 0o644 } });
}

/** `group:artifact@version evidence [path]`: one line per package, in output order. */
const summary = (result: ExtractorResult) =>
  result.packages.map(
    (p: ExtractedPackage) => `${p.name}@${p.version} ${p.metadata?.evidence}${p.path ? ` ${p.path}` : ""}`,
  );
const codes = (issues: readonly ExtractorIssue[]) => issues.map((i) => `${i.code} ${i.path ?? "-"}`);

describe("lang/java-archive: which files", () => {
  const extractor = createJavaArchiveExtractor();
  const info = { size: 1, mode: 0o644 };
  it("wants Java archives by extension", () => {
    expect(extractor.name).toBe("lang/java-archive");
    for (const path of [
      "/app/a.jar",
      "/srv/b.WAR",
      "/opt/c.ear",
      "/var/jenkins_home/plugins/git.jpi",
      "/x/y.hpi",
    ]) {
      expect(extractor.required(path, info), path).toBe(true);
    }
    for (const path of [
      "/app/a.zip",
      "/app/a.jar.sha1",
      "/app/jar",
      "/usr/lib/jvm/lib/modules",
      "/x/y.rar",
    ]) {
      expect(extractor.required(path, info), path).toBe(false);
    }
  });
});

describe("lang/java-archive: pom.properties", () => {
  it("reads a plain jar's pom.properties and no manifest package beside it", async () => {
    const jar = buildJar(jarMetadata("opensaml-core-3.4.6"));
    const result = await run("/app/lib/opensaml-core-3.4.6.jar", jar);
    expect(result.packages).toEqual([
      {
        type: "maven",
        name: "org.opensaml:opensaml-core",
        version: "3.4.6",
        path: "/app/lib/opensaml-core-3.4.6.jar!/META-INF/maven/org.opensaml/opensaml-core/pom.properties",
        metadata: { groupId: "org.opensaml", artifactId: "opensaml-core", evidence: "pom.properties" },
      },
    ]);
    expect(result.issues).toEqual([]);
  });

  it("reports every artifact a shaded jar embeds", async () => {
    const result = await run(
      "/app/multiple-matching-2.11.5.jar",
      buildJar(jarMetadata("multiple-matching-2.11.5")),
    );
    const prefix = "/app/multiple-matching-2.11.5.jar!/META-INF/maven/org.multiple";
    expect(summary(result)).toEqual([
      `org.multiple:multiple-matching-1@2.11.5 pom.properties ${prefix}/multiple-matching-1/pom.properties`,
      `org.multiple:multiple-matching-2@2.11.5 pom.properties ${prefix}/multiple-matching-2/pom.properties`,
      `org.multiple:multiple-matching-3@2.11.5 pom.properties ${prefix}/multiple-matching-3/pom.properties`,
    ]);
    const twoGroups = await run("/app/thename.jar", buildJar(jarMetadata("org.multiple-thename")));
    expect(twoGroups.packages.map((p) => p.name)).toEqual(["com.multiple:thename", "org.multiple:thename"]);
  });

  it("takes a missing groupId from the directory, and skips a pom.properties without a version", async () => {
    const jar = buildJar([
      {
        name: "META-INF/maven/org.example/no-group/pom.properties",
        data: "artifactId=no-group\nversion=1.0\n",
      },
      {
        name: "META-INF/maven/org.example/no-version/pom.properties",
        data: "groupId=org.example\nartifactId=x\n",
      },
    ]);
    const result = await run("/app/x.jar", jar);
    expect(summary(result)).toEqual([
      "org.example:no-group@1.0 pom.properties /app/x.jar!/META-INF/maven/org.example/no-group/pom.properties",
    ]);
    expect(codes(result.issues)).toEqual([
      "java-pom-group-from-path /app/x.jar!/META-INF/maven/org.example/no-group/pom.properties",
      "java-pom-properties-incomplete /app/x.jar!/META-INF/maven/org.example/no-version/pom.properties",
    ]);
  });
});

describe("lang/java-archive: nested archives", () => {
  const opensaml = buildJar(jarMetadata("opensaml-core-3.4.6"));
  const commonsLang = buildJar(jarMetadata("commons-lang3-3.12.0"));

  it("reads the jars in a war's WEB-INF/lib, located with !/", async () => {
    const war = buildJar([
      manifest({ "Created-By": "Apache Maven 3.9.6" }),
      pomProperties("com.example", "shop", "1.0.0"),
      { name: "WEB-INF/classes/com/example/Shop.class", data: "\xca\xfe\xba\xbe" },
      { name: "WEB-INF/lib/", data: "" },
      { name: "WEB-INF/lib/opensaml-core-3.4.6.jar", data: opensaml, method: 0 },
      { name: "WEB-INF/lib/commons-lang3-3.12.0.jar", data: commonsLang },
    ]);
    const result = await run("/usr/local/tomcat/webapps/shop.war", war);
    const war_ = "/usr/local/tomcat/webapps/shop.war";
    expect(summary(result)).toEqual([
      `com.example:shop@1.0.0 pom.properties ${war_}!/META-INF/maven/com.example/shop/pom.properties`,
      `org.opensaml:opensaml-core@3.4.6 pom.properties ${war_}!/WEB-INF/lib/opensaml-core-3.4.6.jar!/META-INF/maven/org.opensaml/opensaml-core/pom.properties`,
      `commons-lang3@3.12.0 filename ${war_}!/WEB-INF/lib/commons-lang3-3.12.0.jar`,
    ]);
    expect(result.issues).toEqual([
      expect.objectContaining({
        severity: "info",
        code: "java-no-group-id",
        path: `${war_}!/WEB-INF/lib/commons-lang3-3.12.0.jar`,
        record: "commons-lang3@3.12.0",
      }),
    ]);
  });

  it("reads an ear holding a war holding a jar (three deep)", async () => {
    const war = buildJar([{ name: "WEB-INF/lib/opensaml-core-3.4.6.jar", data: opensaml }]);
    const ear = buildJar([
      { name: "META-INF/application.xml", data: "<application/>" },
      { name: "web.war", data: war },
    ]);
    const result = await run("/opt/app.ear", ear);
    expect(summary(result)).toEqual([
      "org.opensaml:opensaml-core@3.4.6 pom.properties /opt/app.ear!/web.war!/WEB-INF/lib/opensaml-core-3.4.6.jar!/META-INF/maven/org.opensaml/opensaml-core/pom.properties",
    ]);
    // Neither the ear nor the war names itself, but they hold packages: no issue about them.
    expect(result.issues).toEqual([]);
  });

  it("stops at the depth limit with an issue at the first archive not read", async () => {
    let inner = buildJar([pomProperties("org.example", "level-6", "1")]);
    for (let level = 5; level >= 1; level--) {
      inner = buildJar([
        pomProperties("org.example", `level-${level}`, "1"),
        { name: `lib/l${level + 1}.jar`, data: inner },
      ]);
    }
    const result = await run("/app/l1.jar", inner);
    expect(result.packages.map((p) => p.name)).toEqual([
      "org.example:level-1",
      "org.example:level-2",
      "org.example:level-3",
      "org.example:level-4",
    ]);
    expect(result.issues).toEqual([
      expect.objectContaining({
        severity: "warning",
        code: "java-archive-too-deep",
        path: "/app/l1.jar!/lib/l2.jar!/lib/l3.jar!/lib/l4.jar!/lib/l5.jar",
      }),
    ]);
    const shallow = await run("/app/l1.jar", inner, createJavaArchiveExtractor({ limits: { maxDepth: 1 } }));
    expect(shallow.packages.map((p) => p.name)).toEqual(["org.example:level-1"]);
    expect(codes(shallow.issues)).toEqual(["java-archive-too-deep /app/l1.jar!/lib/l2.jar"]);
  });

  it("stops inflating at the total size limit, with one issue naming the first member skipped", async () => {
    const padding = { name: "padding.bin", data: Buffer.alloc(4000, 1), method: 0 as const };
    const lib = (n: number) => buildJar([pomProperties("org.example", `lib-${n}`, "1"), padding]);
    const war = buildJar(
      [1, 2, 3].map((n) => ({ name: `WEB-INF/lib/lib-${n}.jar`, data: lib(n), method: 0 as const })),
    );
    const size = lib(1).length;
    const extractor = createJavaArchiveExtractor({ limits: { maxTotalBytes: size + 500 } });
    const result = await run("/app/app.war", war, extractor);
    expect(result.packages.map((p) => p.name)).toEqual(["org.example:lib-1"]);
    expect(result.issues).toEqual([
      expect.objectContaining({
        severity: "warning",
        code: "java-archive-size-limit",
        path: "/app/app.war!/WEB-INF/lib/lib-2.jar",
        message: expect.stringContaining("2 members"),
      }),
    ]);
  });

  it("reports a corrupt nested jar and a corrupt member, and still reads the rest", async () => {
    const goodPom = pomProperties("org.example", "good", "1.0");
    const damaged = buildJar([{ ...pomProperties("org.example", "damaged", "1.0"), method: 0 }]);
    // Same length, different bytes: the stored member's CRC-32 no longer matches.
    const flipped = Buffer.from(damaged.toString("latin1").replace("version=1.0", "version=2.0"), "latin1");
    const war = buildJar([
      { name: "WEB-INF/lib/broken-1.0.jar", data: "PK\x03\x04 this is not a zip archive" },
      { name: "WEB-INF/lib/damaged-1.0.jar", data: flipped },
      { name: "WEB-INF/lib/good-1.0.jar", data: buildJar([goodPom]) },
    ]);
    const result = await run("/app/app.war", war);
    expect(summary(result)).toEqual([
      // The damaged jar opens; only its pom.properties is unreadable, so its file name speaks.
      "damaged@1.0 filename /app/app.war!/WEB-INF/lib/damaged-1.0.jar",
      "org.example:good@1.0 pom.properties /app/app.war!/WEB-INF/lib/good-1.0.jar!/META-INF/maven/org.example/good/pom.properties",
    ]);
    expect(codes(result.issues)).toEqual([
      "java-archive-unreadable /app/app.war!/WEB-INF/lib/broken-1.0.jar",
      "java-member-unreadable /app/app.war!/WEB-INF/lib/damaged-1.0.jar!/META-INF/maven/org.example/damaged/pom.properties",
      "java-no-group-id /app/app.war!/WEB-INF/lib/damaged-1.0.jar",
    ]);
    expect(result.issues.find((i) => i.code === "java-member-unreadable")?.message).toMatch(/CRC/i);
  });

  it("refuses a zip bomb member without inflating it", async () => {
    const bomb = { name: "WEB-INF/lib/bomb.jar", data: Buffer.alloc(32 * 1024 ** 2) };
    const bigPom = { name: "META-INF/maven/x/y/pom.properties", data: Buffer.alloc(2 * 1024 ** 2, 0x23) };
    const war = buildJar([bigPom, bomb, { name: "WEB-INF/lib/ok-2.0.jar", data: buildJar([]) }]);
    expect(war.length).toBeLessThan(64 * 1024);
    const result = await run("/app/app.war", war);
    expect(summary(result)).toEqual(["ok@2.0 filename /app/app.war!/WEB-INF/lib/ok-2.0.jar"]);
    expect(codes(result.issues)).toEqual([
      "java-member-over-limit /app/app.war!/META-INF/maven/x/y/pom.properties",
      "java-member-over-limit /app/app.war!/WEB-INF/lib/bomb.jar",
      "java-no-group-id /app/app.war!/WEB-INF/lib/ok-2.0.jar",
    ]);
    expect(result.issues.find((i) => i.path?.endsWith("bomb.jar"))?.message).toMatch(/compression-ratio/);
  });
});

describe("lang/java-archive: manifest and file name", () => {
  it("uses the file name of a jar with nothing inside, and never guesses a group", async () => {
    const result = await run("/app/lib/commons-lang3-3.12.0.jar", buildJar([]));
    expect(result.packages).toEqual([
      {
        type: "maven",
        name: "commons-lang3",
        version: "3.12.0",
        metadata: { artifactId: "commons-lang3", evidence: "filename" },
      },
    ]);
    expect(result.issues).toEqual([
      expect.objectContaining({ severity: "info", code: "java-no-group-id", record: "commons-lang3@3.12.0" }),
    ]);
    expect(result.issues[0]!.path).toBeUndefined();
  });

  const cases: [fixture: string, path: string, expected: string][] = [
    // Jenkins plugin headers: Group-Id, Short-Name, Plugin-Version.
    [
      "syft/jar-metadata/jenkins-plugins/gradle/2.11/META-INF/MANIFEST.MF",
      "/plugins/gradle.jpi",
      "org.jenkins-ci.plugins:gradle@2.11 manifest",
    ],
    // Ivy/Gradle `group#module;version` title gives the group; the file name the artifact.
    [
      "scalibr/manifest-implementation-title/MANIFEST.MF",
      "/es/lib/elasticsearch-8.14.3.jar",
      "org.elasticsearch:elasticsearch@8.14.3 filename",
    ],
    [
      "scalibr/manifest-implementation-title/MANIFEST.MF",
      "/es/lib/server.jar",
      "org.elasticsearch:server@8.14.3 manifest",
    ],
    // Implementation-Vendor-Id is the group Maven's archiver wrote.
    [
      "syft/jar-metadata/com.fasterxml.jackson.core.jackson-core-2.15.2/META-INF/MANIFEST.MF",
      "/x/jackson-core-2.15.2.jar",
      "com.fasterxml.jackson.core:jackson-core@2.15.2 filename",
    ],
    ["scalibr/combine-manifest-filename/MANIFEST.MF", "/x/ivy-2.4.0.jar", "org.apache:ivy@2.4.0 filename"],
    // A well-known artifact without a group header stays without a group (scalibr maps it).
    ["scalibr/known-group-id/MANIFEST.MF", "/x/app.jar", "spring-web@5.3.26 manifest"],
    // Bundle-SymbolicName is ambiguous about where the group ends: not used.
    [
      "scalibr/manifest-symbolicname/MANIFEST.MF",
      "/x/failureaccess-1.0.1.jar",
      "failureaccess@1.0.1 filename",
    ],
    // A version with a date after it: the version is the first word.
    ["scalibr/axis/MANIFEST.MF", "/x/axis.jar", "axis@1.4 filename"],
    // `%pluginName`, `${wrong_name}` and names with spaces are not ids.
    ["scalibr/invalid-ids/MANIFEST.MF", "/x/plugin.jar", "plugin@1.2.3 filename"],
    [
      "syft/jar-metadata/micronaut-aop-4.9.11/META-INF/MANIFEST.MF",
      "/x/micronaut-aop-4.9.11.jar",
      "micronaut-aop@4.9.11 filename",
    ],
    // Implementation-Version (in a `Name:` section here) before the file name's version.
    [
      "syft/jar-metadata/opensaml-core-3.4.6/META-INF/MANIFEST.MF",
      "/x/opensaml.jar",
      "opensaml-core@3.4.6 manifest",
    ],
  ];
  for (const [fixture, path, expected] of cases) {
    it(`${fixture} as ${path}`, async () => {
      const result = await run(path, buildJar([manifestFixture(fixture)]));
      expect(summary(result)).toEqual([expected]);
      const hasGroup = expected.split("@")[0]!.includes(":");
      expect(result.issues.map((i) => i.code)).toEqual(hasGroup ? [] : ["java-no-group-id"]);
    });
  }

  it("prefers pom.properties to the manifest when both are there", async () => {
    const jar = buildJar([
      ...jarMetadata("opensaml-core-3.4.6"),
      manifestFixture("scalibr/known-group-id/MANIFEST.MF"),
    ]);
    const result = await run("/x/whatever-9.9.jar", jar);
    expect(result.packages.map((p) => `${p.name}@${p.version}`)).toEqual([
      "org.opensaml:opensaml-core@3.4.6",
    ]);
  });

  it("reports manifest syntax problems with their member path and line", async () => {
    const jar = buildJar([
      { name: "META-INF/MANIFEST.MF", data: "Manifest-Version: 1.0\njunk\nImplementation-Version: 2.0\n" },
    ]);
    const result = await run("/x/tool.jar", jar);
    expect(summary(result)).toEqual(["tool@2.0 filename"]);
    expect(result.issues[0]).toEqual(
      expect.objectContaining({
        code: "java-manifest-syntax",
        line: 2,
        path: "/x/tool.jar!/META-INF/MANIFEST.MF",
      }),
    );
  });

  it("says so when an archive gives neither packages nor an identity", async () => {
    const result = await run("/app/app.jar", buildJar([{ name: "Main.class", data: "x" }]));
    expect(result.packages).toEqual([]);
    expect(result.issues).toEqual([
      expect.objectContaining({
        severity: "info",
        code: "java-archive-unidentified",
        message: expect.stringContaining("artifact id app but no version"),
      }),
    ]);
  });

  it("reports a file that is not a zip (scalibr not_jar) as unreadable, without a package", async () => {
    const result = await run("/x/not-1.0.jar", readFileSync(join(testdata, "scalibr/not_jar")));
    expect(result.packages).toEqual([]);
    expect(result.issues).toEqual([
      expect.objectContaining({ severity: "error", code: "java-archive-unreadable" }),
    ]);
    expect(result.issues[0]!.path).toBeUndefined();
  });
});
