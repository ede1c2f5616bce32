import type { KubernetesReader } from "@vigil/core";
import { type LoadedKubeConfig, type LoadKubeConfigOptions, loadKubeConfig } from "./kube-config.js";
import {
  createKubernetesClientReader,
  type KubernetesClientReaderOptions,
} from "./kubernetes-client-reader.js";

/** Options of {@link openKubernetesReader}. */
export interface OpenKubernetesReaderOptions extends LoadKubeConfigOptions, KubernetesClientReaderOptions {}

/** A reader with the context it reads. */
export interface OpenedKubernetesReader extends Omit<LoadedKubeConfig, "kubeConfig"> {
  readonly reader: KubernetesReader;
}

/**
 * Load a kubeconfig, select a context and create the reader for it: what `vigil scan
 * cluster` and the server's cluster connections start with. Throws `KubeConfigError`.
 */
export function openKubernetesReader(options: OpenKubernetesReaderOptions = {}): OpenedKubernetesReader {
  const { kubeConfig, ...loaded } = loadKubeConfig(options);
  return {
    ...loaded,
    reader: createKubernetesClientReader(kubeConfig, {
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    }),
  };
}
