import { describe, expect, it } from "vitest";
import { LabelSelectorError, parseLabelSelector } from "./label-selector.js";

const labels = { app: "nginx", tier: "web", "app.kubernetes.io/name": "shop", replicas: "3", empty: "" };

describe("parseLabelSelector", () => {
  it.each([
    ["", true],
    ["app=nginx", true],
    ["app==nginx", true],
    ["app = nginx , tier = web", true],
    ["app!=nginx", false],
    ["missing!=x", true],
    ["app in (nginx, apache)", true],
    ["app in (apache)", false],
    ["app notin (apache)", true],
    ["missing notin (x)", true],
    ["missing in (x)", false],
    ["app.kubernetes.io/name=shop", true],
    ["tier", true],
    ["!tier", false],
    ["!missing", true],
    ["empty=", true],
    ["empty in (,x)", true],
    ["replicas>2", true],
    ["replicas<2", false],
    ["app=nginx,tier in (web),!missing,replicas>1", true],
  ])("%s matches: %s", (selector, expected) => {
    expect(parseLabelSelector(selector).matches(labels)).toBe(expected);
  });

  it("normalizes equality to set operators, as apimachinery does", () => {
    expect(parseLabelSelector("a=b,c!=d,e in (x,y),f,!g").requirements).toEqual([
      { key: "a", operator: "in", values: ["b"] },
      { key: "c", operator: "notin", values: ["d"] },
      { key: "e", operator: "in", values: ["x", "y"] },
      { key: "f", operator: "exists", values: [] },
      { key: "g", operator: "!exists", values: [] },
    ]);
  });

  it("matches objects without labels", () => {
    expect(parseLabelSelector("!a").matches(undefined)).toBe(true);
    expect(parseLabelSelector("a").matches(undefined)).toBe(false);
  });

  it.each(["a in b", "a in (b", "=b", "a=b=c", "a,", "a b", "bad key!=x", "a>b", "a=-x"])(
    "rejects %s",
    (selector) => {
      expect(() => parseLabelSelector(selector)).toThrow(LabelSelectorError);
    },
  );
});
