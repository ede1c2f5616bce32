import type { FindingIdentity } from "./finding-identity.js";

/** What is wrong with the input of `reconcileFindings`. */
export type FindingsInputProblem = "other-cluster" | "duplicate-finding" | "duplicate-detection";

/**
 * The input of a reconcile mixes clusters or repeats an identity: a bug of the caller, so the
 * whole reconcile is refused rather than touching findings it was not given to decide.
 */
export class FindingsInputError extends Error {
  override readonly name = "FindingsInputError";
  readonly problem: FindingsInputProblem;
  readonly identity: FindingIdentity;

  constructor(problem: FindingsInputProblem, identity: FindingIdentity, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.problem = problem;
    this.identity = identity;
  }
}
