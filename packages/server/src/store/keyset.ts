import { type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool, sql } from "kysely";
import { InvalidCursorError } from "./store-errors.js";

/**
 * Keyset (cursor) pagination: a page ends at the sort key of its last row, and the next page
 * starts strictly after that key. Unlike OFFSET, rows inserted or removed elsewhere never
 * shift a page boundary, and a page costs an index range scan however deep it is.
 *
 * The last key column must be unique (an id), so the order is total and no row is skipped
 * or repeated at a boundary. Key columns must be NOT NULL: NULL compares as unknown.
 */
export interface KeysetColumn {
  readonly column: string;
  readonly direction: "asc" | "desc";
}

/** One value of a key column. */
export type KeyValue = string | number;

/** One page of a keyset-paginated list. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back to get the next page; absent on the last page. */
  readonly nextCursor?: string;
}

/** Most rows a page may hold, whatever the caller asks for. */
export const MAX_PAGE_SIZE = 1_000;

/** A page size within 1 … {@link MAX_PAGE_SIZE} (default 50). */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 50;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(limit)));
}

/**
 * An opaque cursor: base64url JSON of the order it belongs to (`order`, checked when it comes
 * back, so a cursor of one sort order cannot be used with another) and the key values.
 */
export function encodeCursor(order: string, values: readonly KeyValue[]): string {
  return Buffer.from(JSON.stringify({ o: order, k: values }), "utf8").toString("base64url");
}

/**
 * The key values of a cursor issued by {@link encodeCursor} for `order` with `columns`
 * values of these `types`.
 * @throws InvalidCursorError when it was not.
 */
export function decodeCursor(
  cursor: string,
  order: string,
  types: readonly ("string" | "number")[],
): KeyValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (cause) {
    throw new InvalidCursorError("the page cursor is not one this server issued: start from the first page", {
      cause,
    });
  }
  const { o, k } = (parsed ?? {}) as { o?: unknown; k?: unknown };
  if (o !== order) {
    throw new InvalidCursorError(
      `the page cursor belongs to another sort order (${String(o)}, not ${order}): start from the first page`,
    );
  }
  if (
    !Array.isArray(k) ||
    k.length !== types.length ||
    !k.every((v, i) => typeof v === types[i] && (typeof v !== "number" || Number.isFinite(v)))
  ) {
    throw new InvalidCursorError("the page cursor is damaged: start from the first page");
  }
  return k as KeyValue[];
}

/**
 * Rows strictly after `values` in the order of `columns`, as
 * `(a > x) or (a = x and b > y) or (a = x and b = y and c > z)` (`<` for descending
 * columns). Written out rather than as a row comparison `(a, b) > (x, y)` because directions
 * may be mixed, and both dialects plan the expanded form on the index.
 */
export function after<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  columns: readonly KeysetColumn[],
  values: readonly KeyValue[],
): Expression<SqlBool> {
  const branches: Expression<SqlBool>[] = [];
  for (let i = 0; i < columns.length; i++) {
    const terms: Expression<SqlBool>[] = [];
    for (let j = 0; j < i; j++) terms.push(sql<SqlBool>`${sql.ref(columns[j]!.column)} = ${values[j]}`);
    const column = columns[i]!;
    terms.push(
      column.direction === "asc"
        ? sql<SqlBool>`${sql.ref(column.column)} > ${values[i]}`
        : sql<SqlBool>`${sql.ref(column.column)} < ${values[i]}`,
    );
    branches.push(eb.and(terms));
  }
  return eb.or(branches);
}

/** A sort order of a keyset-paginated list: its columns and the name its cursors carry. */
export interface Keyset {
  /** Checked when a cursor comes back (see {@link encodeCursor}). */
  readonly name: string;
  readonly columns: readonly KeysetColumn[];
  /** The type of each column's values, as its cursors carry them. */
  readonly types: readonly ("string" | "number")[];
}

/** Newest first: `created_at` descending, `id` (unique) breaking ties; cursors named `name`. */
export function newestFirst(name: string): Keyset {
  return {
    name,
    columns: [
      { column: "created_at", direction: "desc" },
      { column: "id", direction: "desc" },
    ],
    types: ["string", "string"],
  };
}

/**
 * The page of `query`'s rows in `keyset`'s order that starts after `options.cursor` (the first
 * page without one), of `options.limit` rows at the most (see {@link pageSize}). `query` must
 * select the keyset's columns and not be ordered or limited yet. One row more than the page is
 * read to know whether there is a next page.
 * @throws InvalidCursorError when the cursor is not one of this keyset's.
 */
export async function keysetPage<DB, TB extends keyof DB, O, T>(
  query: SelectQueryBuilder<DB, TB, O>,
  keyset: Keyset,
  options: { readonly limit?: number | undefined; readonly cursor?: string | undefined },
  toItem: (row: O) => T,
): Promise<Page<T>> {
  const limit = pageSize(options.limit);
  let select = query;
  if (options.cursor !== undefined) {
    const key = decodeCursor(options.cursor, keyset.name, keyset.types);
    select = select.where((eb) => after(eb, keyset.columns, key));
  }
  for (const k of keyset.columns) select = select.orderBy(sql.ref(k.column), k.direction);
  const rows = await select.limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    ...(rows.length > limit && last
      ? {
          nextCursor: encodeCursor(
            keyset.name,
            keyset.columns.map((k) => last[k.column as keyof O] as KeyValue),
          ),
        }
      : {}),
  };
}
