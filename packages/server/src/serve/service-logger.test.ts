import { describe, expect, it } from "vitest";
import { createServiceLogger, LogLevelError } from "./service-logger.js";

describe("createServiceLogger", () => {
  it("takes its level from VIGIL_LOG_LEVEL, info by default", () => {
    expect(createServiceLogger("t", {}).level).toBe("info");
    expect(createServiceLogger("t", { VIGIL_LOG_LEVEL: " Debug " }).level).toBe("debug");
  });

  it("refuses a level that is not one, naming the variable and the levels", () => {
    expect(() => createServiceLogger("t", { VIGIL_LOG_LEVEL: "loud" })).toThrow(LogLevelError);
    expect(() => createServiceLogger("t", { VIGIL_LOG_LEVEL: "loud" })).toThrow(
      'VIGIL_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "loud"',
    );
  });

  it("redacts secret-named fields at the depths logs use", () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createServiceLogger(
      "t",
      {},
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    );
    logger.info(
      {
        password: "p1",
        request: { headers: { authorization: "Bearer t1", cookie: "vigil_session=c1" }, path: "/x" },
        registry: { auth: "dXNlcjpwYXNz", host: "r.example" },
        agent: { token: "vigil_agt_1" },
      },
      "hello",
    );
    const text = JSON.stringify(lines);
    for (const secret of ["p1", "t1", "c1", "dXNlcjpwYXNz", "vigil_agt_1"])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      msg: "hello",
      password: "[redacted]",
      request: { headers: { authorization: "[redacted]", cookie: "[redacted]" }, path: "/x" },
      registry: { auth: "[redacted]", host: "r.example" },
    });
  });
});
