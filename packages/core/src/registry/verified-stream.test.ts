import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DigestMismatchError, SizeMismatchError } from "./errors.js";
import { readAll } from "./test-support/streams.js";
import { createVerifiedStream } from "./verified-stream.js";

const data = Buffer.from("hello, verified world");
const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
const run = (input: Buffer, options: { digest: string; size?: number }) =>
  readAll(
    Readable.from([input.subarray(0, 5), input.subarray(5)]).pipe(
      createVerifiedStream({ ...options, where: "blob X of test" }),
    ),
  );

describe("createVerifiedStream", () => {
  it("passes matching content through", async () => {
    expect(await run(data, { digest, size: data.length })).toEqual(data);
    const sha512 = `sha512:${createHash("sha512").update(data).digest("hex")}`;
    expect(await run(data, { digest: sha512 })).toEqual(data);
  });

  it("errors at the end on a digest mismatch", async () => {
    const other = Buffer.from(data);
    other[0] = 0x48;
    const error = await run(other, { digest, size: data.length }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).expected).toBe(digest);
    expect((error as Error).message).toContain("blob X of test");
  });

  it("errors on short and long content", async () => {
    await expect(run(data.subarray(0, 10), { digest, size: data.length })).rejects.toBeInstanceOf(
      SizeMismatchError,
    );
    await expect(run(Buffer.concat([data, data]), { digest, size: data.length })).rejects.toThrow(
      /more bytes/,
    );
  });
});
