import type { DismissalReason, FindingState, SeverityLevel } from "@vigil/core";
import type { ParsePoliciesResult } from "../scheduler/parse-policies.js";
import type { PolicyIssue } from "../scheduler/policy-issue.js";
import type { AgentMode, AgentRecord } from "../store/agent-repository.js";
import type { ApiTokenRecord } from "../store/api-token-repository.js";
import type { ClusterRecord } from "../store/cluster-repository.js";
import type { FindingRecord } from "../store/finding-record.js";
import type { FindingCounts } from "../store/finding-repository.js";
import type { Page } from "../store/keyset.js";
import type { OpenFindingsOfDay } from "../store/open-finding-trend.js";
import type { ScanPolicyRecord } from "../store/scan-policy-repository.js";
import type { ScanRecord, ScanWithImages } from "../store/scan-repository.js";
import type { WorkloadContainerRecord } from "../store/workload-container-repository.js";
import type { Role } from "./role.js";
import type { FindingDetail } from "./routes/finding-detail.js";

/**
 * The API as the web UI calls it: for each route the UI uses (`METHOD path`, Hono's path
 * syntax), what it takes and what it answers, as TypeScript types over the records the store
 * returns. The server's handlers answer those records serialized unchanged, so these types
 * are the answers' shapes (the routes' own tests check the answers); `api-contract.test.ts`
 * checks that every key is a registered route with that method.
 */

/** Query values as the URL carries them: repeatable parameters are arrays. */
export type QueryValues = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

/** The finding filter's query parameters (`finding-filter-input.ts`). */
export interface FindingFilterQuery {
  readonly report_type?: "operational" | "development";
  readonly cluster?: readonly string[];
  readonly namespace?: readonly string[];
  readonly workload_kind?: string;
  readonly workload_name?: string;
  readonly container?: string;
  readonly image_digest?: string;
  readonly package?: readonly string[];
  readonly severity?: readonly SeverityLevel[];
  readonly state?: readonly FindingState[];
  readonly fixable?: boolean;
  readonly kev?: boolean;
  readonly project?: string;
  readonly branch?: string;
  readonly q?: string;
}

/** A page of the findings list, sorted. */
export interface FindingListQuery extends FindingFilterQuery {
  readonly sort?: "severity" | "last_seen" | "first_seen";
  readonly order?: "asc" | "desc";
  readonly cursor?: string;
  readonly limit?: number;
  readonly counts?: boolean;
}

/** A user as the API shows one (never the password hash). */
export interface UserView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly disabledAt?: string;
  readonly hasPassword: boolean;
}

/** Who is calling: `GET /api/v1/auth/session` and the sign-in answer. */
export interface SessionView {
  readonly user: UserView;
  readonly via: "session" | "token";
  readonly csrfToken?: string;
}

/** One finding as its page shows it: the record, its history, why it matched, where its image runs. */
export type FindingView = FindingDetail;

/** Open findings per day: the report's trend chart. */
export interface FindingTrendView {
  readonly days: readonly OpenFindingsOfDay[];
}

/** A state change by hand. */
export interface StateChangeBody {
  readonly state: FindingState;
  readonly reason?: DismissalReason;
  readonly comment?: string;
}

/** A policy as the API shows it: the record, its parsed form, and what parsing warned about. */
export interface PolicyView extends ScanPolicyRecord {
  readonly policy?: ParsePoliciesResult["policies"][number];
  readonly warnings?: readonly PolicyIssue[];
}

/** A cluster in the list, with its open findings per severity. */
export interface ClusterView extends ClusterRecord {
  readonly openFindings: FindingCounts;
}

/** Every route the UI calls: `{query?, body?, response}` by `METHOD /path`. */
export interface ApiContract {
  "GET /api/v1/health": { response: { status: string; version: string; database: string } };
  "POST /api/v1/auth/login": { body: { email: string; password: string }; response: SessionView };
  "POST /api/v1/auth/logout": { response: null };
  "GET /api/v1/auth/session": { response: SessionView };
  "GET /api/v1/users/me/tokens": { response: { items: readonly Omit<ApiTokenRecord, "userId">[] } };
  "POST /api/v1/users/me/tokens": {
    body: { name: string };
    response: Omit<ApiTokenRecord, "userId"> & { token: string };
  };
  "DELETE /api/v1/users/me/tokens/:id": { response: null };
  "GET /api/v1/clusters": { response: { items: readonly ClusterView[] } };
  "GET /api/v1/clusters/:id": { response: ClusterView };
  "GET /api/v1/clusters/:id/workloads": {
    query: { namespace?: string };
    response: { items: readonly WorkloadContainerRecord[] };
  };
  "GET /api/v1/clusters/:id/agents": { response: { items: readonly AgentRecord[] } };
  "POST /api/v1/clusters/:id/agents": {
    body: { name: string; mode?: AgentMode; namespaces?: readonly string[]; clusterName?: string };
    response: { agent: AgentRecord; token: string };
  };
  "DELETE /api/v1/agents/:id": { response: AgentRecord };
  "GET /api/v1/scans": {
    query: { cluster?: readonly string[]; status?: readonly string[]; cursor?: string; limit?: number };
    response: Page<ScanRecord>;
  };
  "GET /api/v1/scans/:id": { response: ScanWithImages };
  "POST /api/v1/scans": { body: { cluster: string; namespaces?: readonly string[] }; response: ScanRecord };
  "POST /api/v1/scans/:id/cancel": { response: ScanRecord };
  "GET /api/v1/findings": {
    query: FindingListQuery;
    response: Page<FindingRecord> & { counts?: FindingCounts };
  };
  "GET /api/v1/findings/summary": { query: FindingFilterQuery; response: FindingCounts };
  "GET /api/v1/findings/export": {
    query: FindingFilterQuery & { format: "csv" | "gitlab" | "sarif" | "cyclonedx" };
    response: string;
  };
  "GET /api/v1/findings/trend": {
    query: { cluster?: readonly string[]; days?: number };
    response: FindingTrendView;
  };
  "GET /api/v1/findings/:id": { response: FindingView };
  "POST /api/v1/findings/:id/state": { body: StateChangeBody; response: FindingView };
  "POST /api/v1/findings/state": {
    body: StateChangeBody & { ids?: readonly string[]; filter?: FindingFilterQuery };
    response: { changed: readonly string[]; unchanged: readonly string[] };
  };
  "GET /api/v1/policies": { response: { items: readonly PolicyView[] } };
  "POST /api/v1/policies": { body: string; response: PolicyView };
  "GET /api/v1/policies/:id": { response: PolicyView };
  "PUT /api/v1/policies/:id": { body: string; response: PolicyView };
  "PATCH /api/v1/policies/:id": { body: { enabled: boolean }; response: PolicyView };
  "DELETE /api/v1/policies/:id": { response: null };
}

/** Every key of {@link ApiContract}, for the test that checks each is a registered route. */
export const API_CONTRACT_ROUTES = [
  "GET /api/v1/health",
  "POST /api/v1/auth/login",
  "POST /api/v1/auth/logout",
  "GET /api/v1/auth/session",
  "GET /api/v1/users/me/tokens",
  "POST /api/v1/users/me/tokens",
  "DELETE /api/v1/users/me/tokens/:id",
  "GET /api/v1/clusters",
  "GET /api/v1/clusters/:id",
  "GET /api/v1/clusters/:id/workloads",
  "GET /api/v1/clusters/:id/agents",
  "POST /api/v1/clusters/:id/agents",
  "DELETE /api/v1/agents/:id",
  "GET /api/v1/scans",
  "GET /api/v1/scans/:id",
  "POST /api/v1/scans",
  "POST /api/v1/scans/:id/cancel",
  "GET /api/v1/findings",
  "GET /api/v1/findings/summary",
  "GET /api/v1/findings/export",
  "GET /api/v1/findings/trend",
  "GET /api/v1/findings/:id",
  "POST /api/v1/findings/:id/state",
  "POST /api/v1/findings/state",
  "GET /api/v1/policies",
  "POST /api/v1/policies",
  "GET /api/v1/policies/:id",
  "PUT /api/v1/policies/:id",
  "PATCH /api/v1/policies/:id",
  "DELETE /api/v1/policies/:id",
] as const satisfies readonly (keyof ApiContract)[];
