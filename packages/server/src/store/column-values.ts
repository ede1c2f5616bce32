/**
 * Conversions between record fields and the portable column types of the store: booleans as
 * integers 0/1, JSON as text, absent optional fields as NULL (and back to absent, never null).
 */

/** `true` → 1, `false` → 0. */
export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

/** 1 → `true`; 0 → `false` (PostgreSQL and SQLite both return integers as numbers). */
export function fromFlag(value: number): boolean {
  return value === 1;
}

/** JSON text of a value. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** The value of JSON text written by {@link toJson}; the caller states the type it wrote. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** `undefined` → NULL. */
export function orNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : value;
}

/** `{ [key]: value }` when the column is not NULL, else `{}`: optional fields stay absent. */
export function present<K extends string, T>(key: K, value: T | null): { [P in K]?: T } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: T };
}
