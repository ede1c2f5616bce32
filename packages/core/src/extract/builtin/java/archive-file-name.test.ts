import { describe, expect, it } from "vitest";
import { isJavaArchiveName, parseArchiveFileName } from "./archive-file-name.js";

describe("isJavaArchiveName", () => {
  it("takes the Java archive extensions in any case, and nothing else", () => {
    for (const path of ["/a/x.jar", "/a/x.war", "/a/X.EAR", "/a/x.sar", "/a/x.par", "/a/x.hpi", "/a/x.jpi"]) {
      expect(isJavaArchiveName(path), path).toBe(true);
    }
    for (const path of [
      "/a/x.zip",
      "/a/x.rar",
      "/a/x.jmod",
      "/a/jar",
      "/a/.jar",
      "/a/x.jar/",
      "/a/x.jar.sha1",
    ]) {
      expect(isJavaArchiveName(path), path).toBe(false);
    }
    expect(isJavaArchiveName("WEB-INF/lib/x.jar")).toBe(true);
  });
});

describe("parseArchiveFileName (cases from scalibr's filename_test.go and syft's selectName)", () => {
  const cases: [string, string | undefined, string | undefined][] = [
    ["some/path/yolo-1.2.3.jar", "yolo", "1.2.3"],
    ["some/path/com.google.src.yolo-1.2.3.jar", "com.google.src.yolo", "1.2.3"],
    ["some/path/the-yolo-package-1.2.3.jar", "the-yolo-package", "1.2.3"],
    ["some/path/yolo-1.2.3-jre.jar", "yolo", "1.2.3-jre"],
    ["some/path/the-yolo-package_1.2.3-jre.jar", "the-yolo-package", "1.2.3-jre"],
    ["some/path/the-yolo-package.1.2.3-jre.jar", "the-yolo-package", "1.2.3-jre"],
    ["some/path/yolo-buildasd-1.2.3.jar", "yolo-buildasd", "1.2.3"],
    ["some/path/yolo-rc1asd-1.2.3.jar", "yolo-rc1asd", "1.2.3"],
    ["/x/commons-lang3-3.12.0.jar", "commons-lang3", "3.12.0"],
    ["/x/http4s-crypto_2.12-0.1.0.jar", "http4s-crypto_2.12", "0.1.0"],
    ["/x/kafka_2.13-3.2.2.jar", "kafka_2.13", "3.2.2"],
    ["/x/guava-31.1-jre.jar", "guava", "31.1-jre"],
    ["some/path/yolo.jar", undefined, undefined],
    // Versions that start with a letter are not recognised (scalibr reads r12, rc4, build1.2.3).
    ["some/path/yolo-r12.jar", undefined, undefined],
  ];
  for (const [path, artifactId, version] of cases) {
    it(path, () => {
      const parsed = parseArchiveFileName(path);
      expect(parsed.artifactId).toBe(artifactId);
      expect(parsed.version).toBe(version);
    });
  }

  it("gives the stem when there is no version", () => {
    expect(parseArchiveFileName("/app/app.war")).toEqual({ stem: "app" });
  });
});
