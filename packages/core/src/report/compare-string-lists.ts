/**
 * Orders lists of strings element by element (code-unit order, as `<` compares); a missing
 * element counts as `""`. The tie-break of report rows and keys, so sorted output is stable.
 */
export function compareStringLists(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
