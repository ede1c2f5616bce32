/** Compare two optional strings by code unit, absent as empty: the order of every sorted discovery list. */
export function compareText(a: string | undefined, b: string | undefined): number {
  const x = a ?? "";
  const y = b ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}
