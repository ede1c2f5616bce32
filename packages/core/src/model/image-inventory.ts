import type { LocatedIssue } from "./issue.js";
import type { OsInfo } from "./os-info.js";
import type { Package } from "./package.js";

/**
 * Everything installed in an image after the layers were merged and whiteouts applied:
 * the operating system (when it could be identified) and every package with its origin.
 */
export interface ImageInventory {
  readonly os?: OsInfo;
  /** Sorted with `comparePackages`. */
  readonly packages: readonly Package[];
  /** Issues of every layer that survived into the image, sorted. */
  readonly issues: readonly LocatedIssue[];
}
