import { describe, expect, it } from "vitest";
import { FieldSelectorError, parseFieldSelector } from "./field-selector.js";
import type { KubeObject } from "./kube-object.js";

const POD_FIELDS = ["metadata.name", "metadata.namespace", "status.phase", "spec.hostNetwork"];
const pod: KubeObject = {
  metadata: { name: "web,0", namespace: "shop" },
  spec: { hostNetwork: false },
  status: { phase: "Running" },
};

describe("parseFieldSelector", () => {
  it.each([
    ["", true],
    ["status.phase=Running", true],
    ["status.phase==Running", true],
    ["status.phase!=Running", false],
    ["metadata.namespace=shop,status.phase=Running", true],
    ["metadata.name=web\\,0", true],
    ["spec.hostNetwork=false", true],
    ["metadata.namespace=", false],
  ])("%s matches: %s", (selector, expected) => {
    expect(parseFieldSelector(selector, POD_FIELDS).matches(pod)).toBe(expected);
  });

  it("tells an exact metadata.name match, as apiserver's RequestInfo reads it", () => {
    expect(parseFieldSelector("metadata.name=a", POD_FIELDS).exactMatch("metadata.name")).toBe("a");
    expect(parseFieldSelector("metadata.name!=a", POD_FIELDS).exactMatch("metadata.name")).toBeUndefined();
  });

  it("rejects unsupported field labels with the apiserver's message, and terms without an operator", () => {
    expect(() => parseFieldSelector("spec.nodeName=x", POD_FIELDS)).toThrow(
      new FieldSelectorError("field label not supported: spec.nodeName"),
    );
    expect(() => parseFieldSelector("status.phase", POD_FIELDS)).toThrow(FieldSelectorError);
  });
});
