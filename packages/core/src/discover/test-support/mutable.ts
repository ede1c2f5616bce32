/** A deep copy of a readonly fixture that a test may change (to build variants of real objects). */
export type DeepMutable<T> = T extends readonly (infer U)[]
  ? DeepMutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;

/** Deep-copy `value` into a mutable object. */
export function mutableCopy<T>(value: T): DeepMutable<T> {
  return structuredClone(value) as DeepMutable<T>;
}
