import type { Match } from "../model/match.js";
import { type IgnoreRule, isRuleExpired } from "./ignore-rule.js";
import { compilePathGlob } from "./path-glob.js";
import { isPurlPrefix, parsePurl, purlDesignates } from "./purl-match.js";
import { SUPPRESSING_VEX_STATUSES, type VexProduct, type VexStatement } from "./vex-statement.js";

/** What suppressed a match, with the reason people read. */
export type SuppressedBy =
  | { readonly kind: "ignore"; readonly rule: IgnoreRule; readonly reason: string }
  | { readonly kind: "vex"; readonly statement: VexStatement; readonly reason: string };

/** A match that is not reported as a finding, and why. */
export interface SuppressedMatch {
  readonly match: Match;
  readonly by: SuppressedBy;
}

/** The scanned image, so VEX statements about an image (`pkg:oci/…`) apply only to that image. */
export interface SuppressionImage {
  /** Repository without tag or digest, e.g. `docker.io/library/alpine`. */
  readonly repository?: string;
  readonly manifestDigest: string;
  /** Digest of the multi-platform index the manifest was chosen from. */
  readonly indexDigest?: string;
}

/** Options of {@link applySuppressions}. */
export interface ApplySuppressionsOptions {
  readonly matches: readonly Match[];
  readonly ignoreRules?: readonly IgnoreRule[];
  /** Statements of every VEX document given, in the order the documents were given. */
  readonly vex?: readonly VexStatement[];
  /** Injected clock: rules whose `expires` is at or before it do not apply. */
  readonly now: Date;
  /**
   * When given, a statement whose product is an image purl applies only when the purl's
   * digest is this image's manifest or index digest (and its name the repository's last
   * segment). Without it, image products are taken to mean the scanned image.
   */
  readonly image?: SuppressionImage;
}

/** The split of matches into findings and suppressed ones. */
export interface SuppressionResult {
  /** Matches still reported, in input order. */
  readonly kept: readonly Match[];
  /** Suppressed matches with what suppressed them, in input order. */
  readonly suppressed: readonly SuppressedMatch[];
  /** Rules past their `expires`: they suppressed nothing; the CLI reports them so they get renewed or removed. */
  readonly expiredRules: readonly IgnoreRule[];
}

/**
 * Split matches into kept and suppressed. A rule or statement names a match by its id or
 * any alias (case-insensitive).
 *
 * VEX: of the statements about a match (id, and product scope when the statement has one),
 * the latest by timestamp wins (OpenVEX: statements are a sequence, each overriding the
 * previous); equal or missing timestamps keep document order. It suppresses when its status
 * is `not_affected` or `fixed`; a later `affected` or `under_investigation` statement
 * un-suppresses what an earlier one said. VEX is consulted before ignore rules, because its
 * analysis (state, justification) is more precise in reports.
 *
 * Ignore rules: the first unexpired rule, in order, whose every condition holds.
 */
export function applySuppressions(options: ApplySuppressionsOptions): SuppressionResult {
  const rules = options.ignoreRules ?? [];
  const expiredRules = rules.filter((r) => isRuleExpired(r, options.now));
  const active = rules.filter((r) => !isRuleExpired(r, options.now)).map(compileRule);
  // Statements indexed by every name they give, so each match looks up only its own.
  const byId = new Map<string, { statement: VexStatement; order: number; time: number }[]>();
  (options.vex ?? []).forEach((statement, order) => {
    const entry = { statement, order, time: timeOf(statement.timestamp) };
    for (const id of new Set([statement.vulnerability, ...statement.aliases].map((i) => i.toUpperCase()))) {
      const list = byId.get(id) ?? [];
      byId.set(id, list);
      list.push(entry);
    }
  });

  const kept: Match[] = [];
  const suppressed: SuppressedMatch[] = [];
  for (const match of options.matches) {
    const ids = new Set([match.id, ...match.aliases].map((id) => id.toUpperCase()));
    const about = [...new Set([...ids].flatMap((id) => byId.get(id) ?? []))]
      .filter((s) => inScope(s.statement.products, match, options.image))
      .sort((a, b) => a.time - b.time || a.order - b.order);
    const latest = about.at(-1)?.statement;
    if (latest && SUPPRESSING_VEX_STATUSES.has(latest.status)) {
      suppressed.push({ match, by: { kind: "vex", statement: latest, reason: vexReason(latest) } });
      continue;
    }
    const rule = active.find((r) => r.applies(match, ids));
    if (rule) {
      suppressed.push({ match, by: { kind: "ignore", rule: rule.rule, reason: rule.rule.reason } });
      continue;
    }
    kept.push(match);
  }
  return { kept, suppressed, expiredRules };
}

interface CompiledRule {
  readonly rule: IgnoreRule;
  readonly applies: (match: Match, ids: ReadonlySet<string>) => boolean;
}

function compileRule(rule: IgnoreRule): CompiledRule {
  const id = rule.id.toUpperCase();
  const glob = rule.path === undefined ? undefined : compilePathGlob(rule.path);
  const pkg = rule.package;
  return {
    rule,
    applies(match, ids) {
      if (!ids.has(id)) return false;
      const p = match.package;
      if (pkg !== undefined) {
        const named = pkg.startsWith("pkg:")
          ? isPurlPrefix(pkg, p.purl)
          : pkg === p.name || pkg === p.sourceName || pkg === match.matchedName;
        if (!named) return false;
      }
      if (glob !== undefined) {
        // The parser drops rules with a bad glob; a rule built by hand with one matches nothing.
        if (!glob.ok) return false;
        if (!glob.test(p.location.path) && !(p.path !== undefined && glob.test(p.path))) return false;
      }
      return true;
    },
  };
}

function inScope(
  products: readonly VexProduct[],
  match: Match,
  image: SuppressionImage | undefined,
): boolean {
  if (products.length === 0) return true;
  const purl = match.package.purl;
  return products.some((product) => {
    const isImage = parsePurl(product.purl)?.type === "oci";
    if (product.subcomponents.length > 0) {
      // The product must be this image (or a package, whose containment we cannot check).
      if (isImage && !designatesImage(product.purl, image)) return false;
      return product.subcomponents.some((sub) => purlDesignates(sub, purl));
    }
    return isImage ? designatesImage(product.purl, image) : purlDesignates(product.purl, purl);
  });
}

function designatesImage(purl: string, image: SuppressionImage | undefined): boolean {
  if (!image) return true;
  const parsed = parsePurl(purl);
  if (!parsed) return false;
  if (
    parsed.version !== undefined &&
    parsed.version !== image.manifestDigest &&
    parsed.version !== image.indexDigest
  )
    return false;
  const lastSegment = image.repository?.split("/").pop();
  return lastSegment === undefined || parsed.name === lastSegment;
}

function timeOf(timestamp: string | undefined): number {
  const t = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

function vexReason(statement: VexStatement): string {
  const parts = [statement.originalStatus];
  if (statement.justification) parts.push(statement.justification);
  const head = parts.join(": ");
  const text = statement.impactStatement ?? statement.statusNotes;
  return text ? `${head} (${text})` : head;
}
