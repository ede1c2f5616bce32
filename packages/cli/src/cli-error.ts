/**
 * An error meant for people: what failed, why, and what to do. The CLI prints the
 * message and hint without a stack trace (unless --debug) and exits with `exitCode`.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = 2,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}
