import type { LocatedIssue } from "../model/issue.js";
import type { OsFact } from "../model/os-info.js";
import type { ExtractedPackage } from "../model/package.js";
import type { FileReader } from "./file-reader.js";

/** What the host knows about a file before reading it (from the tar header). */
export interface FileInfo {
  /** Size in bytes as the tar header declares it. */
  readonly size: number;
  /** Unix permission bits (e.g. 0o755). */
  readonly mode: number;
}

/** The one readonly argument an extractor gets for one file. */
export interface ExtractorInput {
  /** Absolute, normalized path inside the image, e.g. `/var/lib/dpkg/status`. */
  readonly path: string;
  readonly info: FileInfo;
  /** The whole file, read by the host within its size limit. */
  readonly content: Buffer;
  readonly signal?: AbortSignal;
}

/**
 * What one extractor found in one file. Problems are issues, never exceptions: an
 * extractor that meets a corrupt record reports it (with path and line or record) and
 * still returns every good package it read.
 */
export interface ExtractorResult {
  readonly packages: readonly ExtractedPackage[];
  readonly osFacts?: readonly OsFact[];
  /** Issues without `source`/`location.layerDigest`: the host fills those in. */
  readonly issues: readonly ExtractorIssue[];
}

/** An issue as an extractor reports it; the host adds the layer and its own name as source. */
export interface ExtractorIssue {
  readonly severity: LocatedIssue["severity"];
  readonly code: string;
  readonly message: string;
  /** 1-based line, for line-oriented formats. */
  readonly line?: number;
  /** Record id inside the file (rpm header number, package name ...). */
  readonly record?: string;
  /** Defaults to the input path; set when the issue concerns another path (an archive member). */
  readonly path?: string;
}

/** What every extractor has, whichever way it reads. */
export interface ExtractorBase {
  /** Path-like unique name, e.g. `os/dpkg`. */
  readonly name: string;
  /** Part of the layer cache key: bump it whenever the output for the same input changes. */
  readonly version: number;
  /** Cheap test on the path and header only: does this extractor want the file? */
  required(path: string, info: FileInfo): boolean;
}

/**
 * The extractor plugin contract (ARCHITECTURE.md section 3): a cheap path test, then one
 * file in, packages and issues out. Extractors never walk, never open files, never throw
 * on bad content; the host owns I/O, limits and cancellation.
 */
export interface WholeFileExtractor extends ExtractorBase {
  /** Absent or `whole-file`: the host reads the whole file into memory. */
  readonly reads?: "whole-file";
  /**
   * Largest file this extractor accepts, in bytes; the host records an issue instead of
   * reading a larger one. Defaults to the host's limit.
   */
  readonly maxFileSize?: number;
  extract(input: ExtractorInput): ExtractorResult | Promise<ExtractorResult>;
}

/** The one readonly argument a {@link RangeReadExtractor} gets for one file. */
export interface RangeExtractorInput {
  readonly path: string;
  readonly info: FileInfo;
  /** Bounded reads; let its `OutsideReadWindowError` propagate (see {@link FileReader}). */
  readonly reader: FileReader;
  readonly signal?: AbortSignal;
}

/**
 * An extractor that reads a few ranges of files of any size (executables) instead of the
 * whole file, so a layer of large unrelated binaries costs only its headers.
 */
export interface RangeReadExtractor extends ExtractorBase {
  readonly reads: "ranges";
  extract(input: RangeExtractorInput): Promise<ExtractorResult>;
}

/** An extractor of either kind. */
export type Extractor = WholeFileExtractor | RangeReadExtractor;

/** An empty result, for files that hold nothing. */
export const EMPTY_RESULT: ExtractorResult = Object.freeze({ packages: [], issues: [] });
