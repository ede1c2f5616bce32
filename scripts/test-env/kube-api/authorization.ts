/** A bearer token the test API server accepts, and who it authenticates as. */
export interface KubeApiToken {
  readonly token: string;
  /** The user name, e.g. `system:serviceaccount:vigil:vigil`; it appears in 403 messages. */
  readonly user: string;
}

/**
 * One RBAC-like allow rule: `user` may use `verbs` on `resources` of `apiGroups`, in `namespaces`.
 * Like RBAC, rules only allow; a request no rule allows is refused with 403.
 */
export interface KubeApiRule {
  /** A user name, or `*` for every authenticated user. */
  readonly user: string;
  /** `get`, `list`, `watch`, or `*`. */
  readonly verbs: readonly string[];
  /** Plural resource names (`pods`), or `*`. */
  readonly resources: readonly string[];
  /** API groups (`""` is core, `apps`, ...); default `["*"]`, any group. */
  readonly apiGroups?: readonly string[];
  /**
   * Namespaces the rule is bound in, like a RoleBinding; omitted, it applies everywhere including
   * cluster-scoped and all-namespaces requests, like a ClusterRoleBinding.
   */
  readonly namespaces?: readonly string[];
}

/** What an authorization decision looks at: apiserver's authorizer.Attributes, reduced. */
export interface AuthorizationRequest {
  readonly user: string;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  /** The request's namespace; absent for cluster-scoped and all-namespaces requests. */
  readonly namespace?: string;
}

const allows = (list: readonly string[], value: string): boolean =>
  list.includes("*") || list.includes(value);

/**
 * Whether `rules` allow `request`. Without a rule table (`undefined`) every authenticated user may
 * do everything; with one, only what some rule allows.
 */
export function isAllowed(rules: readonly KubeApiRule[] | undefined, request: AuthorizationRequest): boolean {
  if (rules === undefined) return true;
  return rules.some(
    (rule) =>
      (rule.user === "*" || rule.user === request.user) &&
      allows(rule.verbs, request.verb) &&
      allows(rule.resources, request.resource) &&
      allows(rule.apiGroups ?? ["*"], request.group) &&
      (rule.namespaces === undefined ||
        (request.namespace !== undefined && rule.namespaces.includes(request.namespace))),
  );
}
