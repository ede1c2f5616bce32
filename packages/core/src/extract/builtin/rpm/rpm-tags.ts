/**
 * The rpm header tags this extractor reads (numbers from rpm's include/rpm/rpmtag.h; they are
 * part of the on-disk format and never change).
 */
export const RpmTag = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
  MODULARITYLABEL: 5096,
} as const;
