import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

/**
 * The lines of a file, read lazily: nothing is read until the consumer iterates. (readline's
 * interface starts emitting lines as soon as it is created and drops those nobody is
 * iterating for yet, so a consumer that first opens a database transaction loses them.)
 */
export async function* readLines(path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of createReadStream(path)) {
    const text = rest + decoder.write(chunk as Buffer);
    const lines = text.split(/\r?\n/);
    rest = lines.pop() ?? "";
    yield* lines;
  }
  rest += decoder.end();
  if (rest !== "") yield rest;
}
