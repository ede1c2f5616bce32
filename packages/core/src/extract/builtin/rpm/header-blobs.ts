/**
 * What every rpm database reader yields: the raw header blobs it found, each with the record it
 * came from, and the problems it met on the way. Readers never throw on bad bytes; a damaged
 * page or slot becomes a problem and the reader goes on with the rest of the file.
 */

/** One package header blob as stored in the database (an rpm header without the lead magic). */
export interface HeaderBlob {
  /** The header number (sqlite `hnum`, BerkeleyDB key, NDB package index), as text. */
  readonly record: string;
  readonly blob: Buffer;
}

/** Something a reader could not read; `record` says where (`page 7`, `slot 3`, or a header number). */
export interface ReadProblem {
  readonly code: ReadProblemCode;
  readonly message: string;
  readonly record?: string;
  /** `warning` when the data was still used, `error` (the default) when it was skipped. */
  readonly severity?: "error" | "warning";
}

/** Stable problem codes shared by the three readers. */
export type ReadProblemCode =
  /** A page, slot or chain of the database itself is damaged. */
  | "rpm-corrupt-database"
  /** One package's record is damaged; the other packages are still read. */
  | "rpm-corrupt-header"
  /** A valid database feature this reader does not implement. */
  | "rpm-unsupported-database";

/** A reader's whole answer for one file. */
export interface HeaderBlobsResult {
  readonly blobs: readonly HeaderBlob[];
  readonly problems: readonly ReadProblem[];
}

/**
 * Problems a reader collects, at most {@link MAX_READ_PROBLEMS} of them and then only a count:
 * a hostile file can make every 16 bytes a damaged slot, and a list of millions of problems
 * would cost more memory than the file. {@link ProblemList.list} ends with one problem that
 * says how many more there were.
 */
export class ProblemList {
  private readonly kept: ReadProblem[] = [];
  private dropped = 0;

  push(...problems: readonly ReadProblem[]): void {
    for (const problem of problems) {
      if (this.kept.length < MAX_READ_PROBLEMS) this.kept.push(problem);
      else this.dropped++;
    }
  }

  list(): ReadProblem[] {
    if (this.dropped === 0) return [...this.kept];
    return [
      ...this.kept,
      {
        code: "rpm-corrupt-database",
        message: `${this.dropped} more problems of this database are not listed`,
      },
    ];
  }
}

/** Problems one reader lists for one file before it only counts them. */
export const MAX_READ_PROBLEMS = 200;
