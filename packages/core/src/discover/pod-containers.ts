import type { ContainerType } from "../model/running-container.js";
import type { KubeContainer, KubeContainerStatus, KubePod } from "./kubernetes-objects.js";

/**
 * The containers of a pod, each paired with its status, and whether each one runs (or ran).
 * What counts:
 * - regular containers while `running`;
 * - init containers that are `running` (sidecars, or one still initializing) or that
 *   `terminated` with an exit code: their image was pulled and executed on the node;
 * - ephemeral (debug) containers, `running` or `terminated`, for the same reason.
 * Everything else is skipped with a reason: a finished pod (`Succeeded`/`Failed`), a
 * container `waiting` (pulling, `CrashLoopBackOff`, `ImagePullBackOff`), a regular container
 * that terminated, or one the kubelet has not reported yet.
 */

/** One container of a pod: its spec entry and its status, either of which may be missing. */
export interface PodContainer {
  readonly type: ContainerType;
  readonly name: string;
  /** The image as the spec writes it; the status's image when the spec has no entry (never seen in practice). */
  readonly image?: string;
  readonly status?: KubeContainerStatus;
}

/** Why a container is not reported as running. */
export type SkipReason =
  | "pod-finished"
  | "no-status"
  | "container-waiting"
  | "container-terminated"
  | "no-state"
  | "no-image-id"
  | "image-id-not-pullable"
  | "image-id-unrecognized"
  | "no-pullable-reference";

/** Whether a container counts as running, and when it started. */
export type ContainerActivity =
  | { readonly runs: true; readonly startedAt?: string }
  | { readonly runs: false; readonly reason: SkipReason; readonly message: string };

const TYPES: ReadonlyArray<
  readonly [ContainerType, "initContainers" | "containers" | "ephemeralContainers"]
> = [
  ["init", "initContainers"],
  ["container", "containers"],
  ["ephemeral", "ephemeralContainers"],
];

const STATUS_FIELD = {
  init: "initContainerStatuses",
  container: "containerStatuses",
  ephemeral: "ephemeralContainerStatuses",
} as const;

/** Spec order: init containers, containers, ephemeral containers; statuses matched by name. */
export function podContainers(pod: KubePod): PodContainer[] {
  const out: PodContainer[] = [];
  for (const [type, specField] of TYPES) {
    const specs: readonly KubeContainer[] = pod.spec?.[specField] ?? [];
    const statuses = pod.status?.[STATUS_FIELD[type]] ?? [];
    const byName = new Map(statuses.map((s) => [s.name, s]));
    for (const spec of specs) {
      const status = byName.get(spec.name);
      byName.delete(spec.name);
      const image = spec.image ?? status?.image;
      out.push({
        type,
        name: spec.name,
        ...(image !== undefined ? { image } : {}),
        ...(status ? { status } : {}),
      });
    }
    for (const status of byName.values()) {
      out.push({ type, name: status.name, ...(status.image ? { image: status.image } : {}), status });
    }
  }
  return out;
}

/** True for pods whose containers have all stopped for good. */
export function isPodFinished(pod: KubePod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** Decide whether one container runs (or ran, for init and ephemeral containers). */
export function containerActivity(pod: KubePod, container: PodContainer): ContainerActivity {
  if (isPodFinished(pod)) {
    return {
      runs: false,
      reason: "pod-finished",
      message: `The pod has finished (phase ${pod.status?.phase}); nothing of it runs.`,
    };
  }
  const state = container.status?.state;
  if (!container.status) {
    return { runs: false, reason: "no-status", message: "The kubelet has not reported this container yet." };
  }
  if (state?.running) {
    return { runs: true, ...(state.running.startedAt ? { startedAt: state.running.startedAt } : {}) };
  }
  if (state?.terminated) {
    const t = state.terminated;
    if (container.type !== "container" && typeof t.exitCode === "number") {
      return { runs: true, ...(t.startedAt ? { startedAt: t.startedAt } : {}) };
    }
    return {
      runs: false,
      reason: "container-terminated",
      message: `The container has terminated (${t.reason ? `${t.reason}, ` : ""}exit code ${t.exitCode ?? "unknown"}).`,
    };
  }
  if (state?.waiting) {
    const w = state.waiting;
    return {
      runs: false,
      reason: "container-waiting",
      message: `The container is waiting${w.reason ? ` (${w.reason})` : ""}.`,
    };
  }
  return { runs: false, reason: "no-state", message: "The container's status has no state." };
}
