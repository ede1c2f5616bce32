/** What a request's `Accept` header asks for, among the forms the test API server can send. */
export interface NegotiatedForm {
  /** `application/json;as=APIGroupDiscoveryList;g=apidiscovery.k8s.io;v=<version>` for `/api` and `/apis`. */
  readonly aggregatedDiscovery?: "v2" | "v2beta1";
  /** `application/json;as=Table;g=meta.k8s.io;v=<version>` for gets, lists and watches. */
  readonly table?: "v1" | "v1beta1";
}

interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [type = "", ...rest] = part.split(";").map((p) => p.trim());
      const params = new Map<string, string>();
      for (const param of rest) {
        const eq = param.indexOf("=");
        if (eq > 0) params.set(param.slice(0, eq).toLowerCase(), param.slice(eq + 1).replace(/^"|"$/g, ""));
      }
      return { type: type.toLowerCase(), params };
    });
}

/**
 * Picks the form to answer in: the first media range of `Accept` the server can produce, in the
 * client's order (kubectl lists aggregated discovery or Table first and plain JSON last).
 * Protobuf is never produced; a client that also accepts JSON gets JSON.
 */
export function negotiate(accept: string | undefined): NegotiatedForm {
  for (const range of parseAccept(accept ?? "")) {
    if (range.type !== "application/json" && range.type !== "*/*" && range.type !== "application/*") continue;
    const as = range.params.get("as");
    const group = range.params.get("g");
    const version = range.params.get("v");
    if (as === undefined) return {};
    if (as === "APIGroupDiscoveryList" && group === "apidiscovery.k8s.io") {
      if (version === "v2" || version === "v2beta1") return { aggregatedDiscovery: version };
    }
    if (as === "Table" && group === "meta.k8s.io") {
      if (version === "v1" || version === "v1beta1") return { table: version };
    }
  }
  return {};
}

/** The `Content-Type` of an aggregated discovery answer; client-go's discovery client checks these parameters. */
export function aggregatedDiscoveryContentType(version: "v2" | "v2beta1"): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}
