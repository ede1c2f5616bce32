import { describe, expect, it } from "vitest";
import { parseSourceRpm } from "./source-rpm.js";

describe("parseSourceRpm", () => {
  it.each([
    ["curl-7.76.1-14.el9.src.rpm", { name: "curl", version: "7.76.1", release: "14.el9" }],
    ["util-linux-2.32.1-42.el8_8.src.rpm", { name: "util-linux", version: "2.32.1", release: "42.el8_8" }],
    ["gcc11-11.2.1+git610-1.3.9.src.rpm", { name: "gcc11", version: "11.2.1+git610", release: "1.3.9" }],
    ["python3.10-3.10.2-1.fc35.src.rpm", { name: "python3.10", version: "3.10.2", release: "1.fc35" }],
    ["kernel-rt-5.14.0-70.nosrc.rpm", { name: "kernel-rt", version: "5.14.0", release: "70" }],
    ["a-b-c-1-2.src.rpm", { name: "a-b-c", version: "1", release: "2" }],
    // Without the .src/.nosrc part the dotted release stays whole.
    ["foo-1.0-1.el9.rpm", { name: "foo", version: "1.0", release: "1.el9" }],
  ])("%s", (fileName, expected) => {
    expect(parseSourceRpm(fileName)).toEqual(expected);
  });

  it.each([
    "",
    "(none)",
    "curl.src.rpm",
    "curl-7.76.1.src.rpm",
    "-1-2.src.rpm",
    "curl--1.src.rpm",
    "curl-1-.src.rpm",
  ])("rejects %j", (fileName) => {
    expect(parseSourceRpm(fileName)).toBeUndefined();
  });
});
