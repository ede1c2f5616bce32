import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseProperties } from "./parse-properties.js";

const testdata = join(import.meta.dirname, "testdata");
const read = (file: string) => parseProperties(readFileSync(join(testdata, "syft/pom", file)));
const values = (text: string) => Object.fromEntries(parseProperties(Buffer.from(text, "latin1")).values);

describe("parseProperties", () => {
  it("reads Maven's pom.properties with blanks around the values (syft small)", () => {
    const { values, problems } = read("small.pom.properties");
    expect(Object.fromEntries(values)).toEqual({
      groupId: "org.anchore",
      artifactId: "example-java-app-maven",
      version: "0.1.0",
    });
    expect(problems).toEqual([]);
  });

  it("ends a key at the first `=` or `:`, whichever comes first (syft delimiter fixtures)", () => {
    expect(Object.fromEntries(read("colon-delimited.pom.properties").values)).toMatchObject({
      groupId: "org.anchore",
      artifactId: "example-java-app-maven",
      version: "0.1.0",
    });
    expect(Object.fromEntries(read("colon-delimited-with-equals.pom.properties").values)).toMatchObject({
      artifactId: "example-java=app-maven",
      version: "0.1.0=something",
    });
    expect(Object.fromEntries(read("equals-delimited-with-colons.pom.properties").values)).toMatchObject({
      artifactId: "example-java:app-maven",
      version: "0.1.0:something",
    });
    expect(read("extra.pom.properties").values.get("name")).toBe("something-here");
  });

  it("handles comments, white space separators, continuations and escapes", () => {
    expect(
      values(
        "# comment\n! also a comment\n  key value\nlong = a\\\n     b\\\\\nesc=\\u0041\\t\\=\\:x\nkey\\ with\\ space=1\r\nempty\n",
      ),
    ).toEqual({ key: "value", long: "ab\\", esc: "A\t=:x", "key with space": "1", empty: "" });
  });

  it("reads UTF-8 when valid and ISO-8859-1 otherwise", () => {
    expect(Object.fromEntries(parseProperties(Buffer.from("n=café", "utf8")).values)).toEqual({ n: "café" });
    expect(Object.fromEntries(parseProperties(Buffer.from("n=café", "latin1")).values)).toEqual({
      n: "café",
    });
  });

  it("reports a malformed \\u escape with its line and keeps going", () => {
    const { values, problems } = parseProperties(Buffer.from("a=1\nb=\\uZZ\nc=3"));
    expect(values.get("c")).toBe("3");
    expect(problems).toEqual([{ line: 2, message: expect.stringContaining("\\uXXXX") }]);
  });
});
