import { age } from "./human-duration.js";
import type { KubeObject } from "./kube-object.js";
import type { PrinterColumn, ResourceType } from "./resource-catalog.js";

/** A `columnDefinitions[]` entry of a `meta.k8s.io` Table. */
interface TableColumn {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

type Cells = (object: KubeObject, now: Date) => unknown[];

interface Printer {
  readonly columns: readonly TableColumn[];
  readonly cells: Cells;
}

const column = (name: string, type = "string", priority = 0, format = "", description = ""): TableColumn => ({
  name,
  type,
  format,
  description,
  priority,
});
const NAME = column("Name", "string", 0, "name", "Name must be unique within a namespace.");
const AGE = column(
  "Age",
  "string",
  0,
  "",
  "CreationTimestamp is the server time when this object was created.",
);

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === "object" ? (value as Json) : {});
const arr = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const num = (value: unknown): number => (typeof value === "number" ? value : 0);
const str = (value: unknown): string => (typeof value === "string" ? value : "");
const orNone = (value: string): string => value || "<none>";

function nameAndAge(object: KubeObject, now: Date): [string, string] {
  return [object.metadata.name ?? "", age(object.metadata.creationTimestamp, now)];
}

/** `a=b,c=d` or `<none>`, like metav1.FormatLabelSelector for matchLabels-only selectors. */
function selector(value: unknown): string {
  const parts = Object.entries(obj(obj(value).matchLabels)).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of arr(obj(value).matchExpressions)) {
    parts.push(`${str(e.key)} ${str(e.operator).toLowerCase()} (${arr(e.values).join(",")})`);
  }
  return parts.length > 0 ? parts.join(",") : "<none>";
}

function containersAndImages(podSpec: unknown): [string, string] {
  const containers = arr(obj(podSpec).containers);
  return [containers.map((c) => str(c.name)).join(","), containers.map((c) => str(c.image)).join(",")];
}

/** The Status, Ready and Restarts cells of printPod in pkg/printers/internalversion/printers.go. */
function podCells(pod: KubeObject, now: Date): unknown[] {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const initSpecs = new Map(arr(spec.initContainers).map((c) => [str(c.name), c]));
  const restartable = (name: string) => str(initSpecs.get(name)?.restartPolicy) === "Always";
  const total = arr(spec.containers).length + [...initSpecs.keys()].filter(restartable).length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  let reason = str(status.reason) || str(status.phase);
  const finished = (cs: Json) => Date.parse(str(obj(obj(cs.lastState).terminated).finishedAt)) || 0;
  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (const [i, cs] of initStatuses.entries()) {
    restarts += num(cs.restartCount);
    lastRestart = Math.max(lastRestart, finished(cs));
    if (restartable(str(cs.name))) {
      sidecarRestarts += num(cs.restartCount);
      lastSidecarRestart = Math.max(lastSidecarRestart, finished(cs));
    }
    const state = obj(cs.state);
    const terminated = state.terminated ? obj(state.terminated) : undefined;
    const waiting = state.waiting ? obj(state.waiting) : undefined;
    if (terminated && num(terminated.exitCode) === 0) continue;
    if (restartable(str(cs.name)) && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (terminated) {
      reason = str(terminated.reason)
        ? `Init:${str(terminated.reason)}`
        : num(terminated.signal) !== 0
          ? `Init:Signal:${num(terminated.signal)}`
          : `Init:ExitCode:${num(terminated.exitCode)}`;
    } else if (waiting && str(waiting.reason) && str(waiting.reason) !== "PodInitializing") {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.size}`;
    }
    initializing = true;
    break;
  }
  const conditions = arr(status.conditions);
  const initialized = conditions.some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] as Json;
      restarts += num(cs.restartCount);
      lastRestart = Math.max(lastRestart, finished(cs));
      const state = obj(cs.state);
      const terminated = state.terminated ? obj(state.terminated) : undefined;
      if (state.waiting && str(obj(state.waiting).reason)) reason = str(obj(state.waiting).reason);
      else if (terminated && str(terminated.reason)) reason = str(terminated.reason);
      else if (terminated) {
        reason =
          num(terminated.signal) !== 0
            ? `Signal:${num(terminated.signal)}`
            : `ExitCode:${num(terminated.exitCode)}`;
      } else if (cs.ready === true && state.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = conditions.some((c) => c.type === "Ready" && c.status === "True") ? "Running" : "NotReady";
    }
  }
  if (pod.metadata.deletionTimestamp) {
    if (status.reason === "NodeLost") reason = "Unknown";
    else if (status.phase !== "Succeeded" && status.phase !== "Failed") reason = "Terminating";
  }
  const restartText =
    restarts !== 0 && lastRestart > 0
      ? `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)`
      : String(restarts);
  const gates = arr(spec.readinessGates);
  const gatesTrue = gates.filter((g) =>
    conditions.some((c) => c.type === g.conditionType && c.status === "True"),
  ).length;
  const [name, created] = nameAndAge(pod, now);
  return [
    name,
    `${ready}/${total}`,
    reason,
    restartText,
    created,
    orNone(str(status.podIP)),
    orNone(str(spec.nodeName)),
    orNone(str(status.nominatedNodeName)),
    gates.length > 0 ? `${gatesTrue}/${gates.length}` : "<none>",
  ];
}

// Built-in printers: the columns of pkg/printers/internalversion/printers.go for the kinds Vigil
// reads; other built-in kinds get Name and Age.
const BUILTIN_PRINTERS: Readonly<Record<string, Printer>> = {
  "/namespaces": {
    columns: [NAME, column("Status"), AGE],
    cells: (o, now) => {
      const [name, created] = nameAndAge(o, now);
      return [name, str(obj(o.status).phase), created];
    },
  },
  "/pods": {
    columns: [
      NAME,
      column("Ready"),
      column("Status"),
      column("Restarts", "string"),
      AGE,
      column("IP", "string", 1),
      column("Node", "string", 1),
      column("Nominated Node", "string", 1),
      column("Readiness Gates", "string", 1),
    ],
    cells: podCells,
  },
  "/secrets": {
    columns: [NAME, column("Type"), column("Data", "string"), AGE],
    cells: (o, now) => {
      const [name, created] = nameAndAge(o, now);
      const data = Object.keys(obj(o.data)).length + Object.keys(obj(o.stringData)).length;
      return [name, str(o.type), data, created];
    },
  },
  "/serviceaccounts": {
    columns: [NAME, column("Secrets", "string"), AGE],
    cells: (o, now) => {
      const [name, created] = nameAndAge(o, now);
      return [name, arr(o.secrets).length, created];
    },
  },
  "apps/deployments": {
    columns: [
      NAME,
      column("Ready"),
      column("Up-to-date", "string"),
      column("Available", "string"),
      AGE,
      column("Containers", "string", 1),
      column("Images", "string", 1),
      column("Selector", "string", 1),
    ],
    cells: (o, now) => {
      const [name, created] = nameAndAge(o, now);
      const spec = obj(o.spec);
      const status = obj(o.status);
      const desired = spec.replicas === undefined ? 1 : num(spec.replicas);
      return [
        name,
        `${num(status.readyReplicas)}/${desired}`,
        num(status.updatedReplicas),
        num(status.availableReplicas),
        created,
        ...containersAndImages(obj(obj(spec.template).spec)),
        selector(spec.selector),
      ];
    },
  },
  "apps/replicasets": {
    columns: [
      NAME,
      column("Desired", "integer"),
      column("Current", "integer"),
      column("Ready", "integer"),
      AGE,
      column("Containers", "string", 1),
      column("Images", "string", 1),
      column("Selector", "string", 1),
    ],
    cells: (o, now) => {
      const [name, created] = nameAndAge(o, now);
      const spec = obj(o.spec);
      const status = obj(o.status);
      return [
        name,
        spec.replicas === undefined ? 1 : num(spec.replicas),
        num(status.replicas),
        num(status.readyReplicas),
        created,
        ...containersAndImages(obj(obj(spec.template).spec)),
        selector(spec.selector),
      ];
    },
  },
};

const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], cells: (o, now) => nameAndAge(o, now) };

/** Evaluates the simple JSONPath (`.a.b.c`) of a CRD printer column. */
function jsonPathValue(object: KubeObject, path: string): unknown {
  let value: unknown = object;
  for (const part of path.replace(/^\./, "").split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Json)[part];
  }
  return value;
}

/** A printer for a custom resource from its `additionalPrinterColumns` (apiextensions tableconvertor). */
function crdPrinter(printerColumns: readonly PrinterColumn[]): Printer {
  if (printerColumns.length === 0) return DEFAULT_PRINTER;
  const columns = [
    NAME,
    ...printerColumns.map((c) =>
      column(c.name, c.type, c.priority ?? 0, c.format ?? "", c.description ?? ""),
    ),
  ];
  return {
    columns,
    cells: (o, now) => [
      o.metadata.name ?? "",
      ...printerColumns.map((c) => {
        const value = jsonPathValue(o, c.jsonPath);
        if (value === undefined || value === null) return null;
        if (c.type === "date") return age(value, now);
        if (c.type === "string") return typeof value === "string" ? value : JSON.stringify(value);
        return value;
      }),
    ],
  };
}

function printerFor(type: ResourceType): Printer {
  if (!type.builtin) return crdPrinter(type.printerColumns ?? []);
  return BUILTIN_PRINTERS[`${type.group}/${type.plural}`] ?? DEFAULT_PRINTER;
}

/** Which object each Table row carries (`includeObject`): none, its metadata (default) or all of it. */
export type IncludeObject = "None" | "Metadata" | "Object";

/** Options of {@link toTable}. */
export interface TableOptions {
  readonly version: "v1" | "v1beta1";
  readonly includeObject: IncludeObject;
  readonly now: Date;
  /** The list's `metadata` (resourceVersion, continue, remainingItemCount). */
  readonly listMeta: Record<string, unknown>;
}

/**
 * The `meta.k8s.io` Table a real server answers `Accept: application/json;as=Table;...` with (what
 * kubectl's default output asks for): column definitions (priority 1 columns are `-o wide`) and
 * one row per object with the cells a real server computes.
 */
export function toTable(type: ResourceType, objects: readonly KubeObject[], options: TableOptions): unknown {
  const printer = printerFor(type);
  const rows = objects.map((object) => {
    const row: Json = { cells: printer.cells(object, options.now) };
    if (options.includeObject === "Object") row.object = object;
    if (options.includeObject === "Metadata") {
      row.object = {
        kind: "PartialObjectMetadata",
        apiVersion: `meta.k8s.io/${options.version}`,
        metadata: object.metadata,
      };
    }
    return row;
  });
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata: options.listMeta,
    columnDefinitions: printer.columns,
    rows,
  };
}
