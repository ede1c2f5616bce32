import { describe, expect, it } from "vitest";
import { parseWwwAuthenticate } from "./www-authenticate.js";

describe("parseWwwAuthenticate", () => {
  it("parses a distribution Bearer challenge", () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/alpine:pull",
        },
      },
    ]);
  });

  it("parses Basic, the error parameter, escapes, spaces and several challenges", () => {
    expect(parseWwwAuthenticate('Basic realm="Registry Realm"')).toEqual([
      { scheme: "basic", params: { realm: "Registry Realm" } },
    ]);
    const many = parseWwwAuthenticate(
      'Basic realm="a \\"quoted\\" realm", Bearer realm="https://t/x", service=reg , error="insufficient_scope"',
    );
    expect(many).toEqual([
      { scheme: "basic", params: { realm: 'a "quoted" realm' } },
      { scheme: "bearer", params: { realm: "https://t/x", service: "reg", error: "insufficient_scope" } },
    ]);
  });

  it("takes several header values and a token68", () => {
    expect(parseWwwAuthenticate(["Negotiate abc==", 'Basic realm="r"'])).toEqual([
      { scheme: "negotiate", params: {}, token68: "abc==" },
      { scheme: "basic", params: { realm: "r" } },
    ]);
  });

  it("never throws on garbage", () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate("")).toEqual([]);
    expect(parseWwwAuthenticate('Bearer realm="unterminated')).toEqual([{ scheme: "bearer", params: {} }]);
    expect(() => parseWwwAuthenticate(",,, =, ===")).not.toThrow();
  });
});
