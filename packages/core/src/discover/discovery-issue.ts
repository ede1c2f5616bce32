import type { IssueSeverity, LocatedIssue } from "../model/issue.js";
import { compareText as cmp } from "./compare-text.js";

/**
 * What a discovery issue is about: a container of a pod, or one object (a pull secret, a
 * service account, a ReplicaSet) named by kind, namespace and name. Never holds secret content.
 */
export interface DiscoverySubject {
  readonly namespace?: string;
  readonly pod?: string;
  readonly container?: string;
  /** Kind of the object the issue is about when it is not a container: `Secret`, `ServiceAccount` ... */
  readonly kind?: string;
  readonly name?: string;
}

/**
 * A problem found while discovering (ARCHITECTURE.md section 8: recorded, and discovery goes
 * on). `location.record` repeats the subject as text (`default/web-0/nginx`,
 * `Secret default/regcred`) for renderers that only know {@link LocatedIssue}.
 */
export interface DiscoveryIssue extends LocatedIssue {
  readonly subject: DiscoverySubject;
}

/** The `source` of every discovery issue. */
export const DISCOVERY_ISSUE_SOURCE = "discover";

/** An issue about one container; `image` is the spec's image. */
export function containerIssue(
  severity: IssueSeverity,
  code: string,
  message: string,
  where: {
    readonly namespace: string;
    readonly pod: string;
    readonly container: string;
    readonly image?: string;
  },
): DiscoveryIssue {
  return {
    severity,
    code,
    message,
    source: DISCOVERY_ISSUE_SOURCE,
    location: {
      ...(where.image !== undefined ? { image: where.image } : {}),
      record: `${where.namespace}/${where.pod}/${where.container}`,
    },
    subject: { namespace: where.namespace, pod: where.pod, container: where.container },
  };
}

/** An issue about one object (`kind` `Secret`, `ServiceAccount`, `ReplicaSet`, `Job`, `Namespace`). */
export function objectIssue(
  severity: IssueSeverity,
  code: string,
  message: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): DiscoveryIssue {
  return {
    severity,
    code,
    message,
    source: DISCOVERY_ISSUE_SOURCE,
    location: { record: `${kind} ${namespace !== undefined ? `${namespace}/` : ""}${name}` },
    subject: { kind, ...(namespace !== undefined ? { namespace } : {}), name },
  };
}

/** Sort by subject (namespace, pod, container, kind, name), then code and message. */
export function compareDiscoveryIssues(a: DiscoveryIssue, b: DiscoveryIssue): number {
  return (
    cmp(a.subject.namespace, b.subject.namespace) ||
    cmp(a.subject.pod, b.subject.pod) ||
    cmp(a.subject.container, b.subject.container) ||
    cmp(a.subject.kind, b.subject.kind) ||
    cmp(a.subject.name, b.subject.name) ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  );
}
