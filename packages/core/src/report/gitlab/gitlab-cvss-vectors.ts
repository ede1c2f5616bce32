import type { AdvisorySeverity } from "../../advisory/severity-level.js";
import type { GitlabCvssVector } from "./gitlab-report-format.js";

/**
 * The two vector forms schema 15.0.7 accepts in `cvss_vectors[].vector`, copied from it (a
 * test checks they still equal the vendored schema): CVSS v2 without prefix, and CVSS v3.0/3.1.
 * CVSS v4 vectors have no place there; they stay in `details`.
 */
export const GITLAB_CVSS_V2_PATTERN =
  "^((AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))/)*(AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))$";
/** See {@link GITLAB_CVSS_V2_PATTERN}. */
export const GITLAB_CVSS_V3_PATTERN =
  "^CVSS:3[.][01]/((AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])/)*(AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])$";

const FORMS = [
  { pattern: new RegExp(GITLAB_CVSS_V2_PATTERN), min: 16, max: 128 },
  { pattern: new RegExp(GITLAB_CVSS_V3_PATTERN), min: 32, max: 128 },
];

/**
 * `cvss_vectors` for a severity that came with a vector the schema accepts, else nothing (an
 * invalid vector would make GitLab reject the whole report). NVD writes v2 vectors as
 * `(AV:N/…)` or with a `CVSS:2.0/` prefix; both are reduced to the bare form. The vendor is
 * the schema's default `unknown`: a match knows the vector, not who issued it.
 */
export function gitlabCvssVectors(severity: AdvisorySeverity): GitlabCvssVector[] | undefined {
  if (!severity.vector) return undefined;
  const vector = severity.vector
    .trim()
    .replace(/^\((.*)\)$/, "$1")
    .replace(/^CVSS:2\.0\//, "");
  const ok = FORMS.some(
    (form) => vector.length >= form.min && vector.length <= form.max && form.pattern.test(vector),
  );
  return ok ? [{ vendor: "unknown", vector }] : undefined;
}
