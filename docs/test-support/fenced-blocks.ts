/**
 * The code in a Markdown document, for the tests that hold the docs to what the code does:
 * fenced blocks with their info string and line, and inline code spans.
 */

/** A fenced code block: its language (the info string's first word) and where it starts. */
export interface FencedBlock {
  readonly language: string;
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** Every fenced block (```), in document order. Fences inside list items may be indented. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j]!)) {
      body.push(lines[j]!.slice(Math.min(indent, lines[j]!.length - lines[j]!.trimStart().length)));
      j++;
    }
    blocks.push({ language: open[2]!, text: body.join("\n"), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** Every inline code span (`…`) outside fenced blocks, with its line. */
export function inlineCode(markdown: string): { readonly text: string; readonly line: number }[] {
  const spans: { text: string; line: number }[] = [];
  let fenced = false;
  for (const [index, line] of markdown.split("\n").entries()) {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    for (const match of line.matchAll(/`([^`]+)`/g)) spans.push({ text: match[1]!, line: index + 1 });
  }
  return spans;
}
