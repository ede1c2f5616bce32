import type { KubePod } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { trimListMeta, trimOwned, trimPod, trimSecret } from "./trim-kube-objects.js";

describe("trimming API objects to what discovery reads", () => {
  it("keeps continue and resourceVersion of a list, and drops an empty continue", () => {
    expect(trimListMeta({ continue: "abc", resourceVersion: "7" })).toEqual({
      continue: "abc",
      resourceVersion: "7",
    });
    expect(trimListMeta({ continue: "", resourceVersion: "7" })).toEqual({ resourceVersion: "7" });
    expect(trimListMeta(undefined)).toEqual({});
  });

  it("keeps what discovery reads of a pod as served, and nothing else", () => {
    // k8s-interface's deployment.json pod as the API serves it, with some of what it also carries.
    const served = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "nginx-84f5585d68-42mxd",
        namespace: "default",
        uid: "fa771236-d117-453c-b5dc-af14127cc648",
        resourceVersion: "640",
        creationTimestamp: "2023-03-26T09:10:32Z",
        labels: { app: "nginx", "pod-template-hash": "84f5585d68" },
        annotations: { "kubectl.kubernetes.io/restartedAt": "2023-03-26T09:10:30Z" },
        managedFields: [{ manager: "kube-controller-manager", operation: "Update" }],
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: "nginx-84f5585d68",
            uid: "1747930a-61ba-4ee1-b1a9-838af6cb094d",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        volumes: [{ name: "kube-api-access-8nlpk", projected: {} }],
        containers: [
          {
            name: "nginx",
            image: "nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
            ports: [{ containerPort: 80, protocol: "TCP" }],
            env: [{ name: "A", value: "b" }],
          },
        ],
        imagePullSecrets: [{ name: "regcred" }],
        serviceAccountName: "default",
        nodeName: "minikube",
      },
      status: {
        phase: "Running",
        conditions: [{ type: "Ready", status: "True" }],
        startTime: "2023-03-26T09:10:32Z",
        containerStatuses: [
          {
            name: "nginx",
            image: "sha256:295c7be079025306c4f1d65997fcf7adb411c88f139ad1d34b537164aa060369",
            imageID:
              "docker-pullable://nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: "2023-03-26T09:10:35Z" } },
            lastState: {},
          },
        ],
      },
    };
    expect(trimPod(served as KubePod)).toEqual({
      metadata: {
        name: "nginx-84f5585d68-42mxd",
        namespace: "default",
        uid: "fa771236-d117-453c-b5dc-af14127cc648",
        creationTimestamp: "2023-03-26T09:10:32Z",
        labels: { app: "nginx", "pod-template-hash": "84f5585d68" },
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: "nginx-84f5585d68",
            uid: "1747930a-61ba-4ee1-b1a9-838af6cb094d",
            controller: true,
          },
        ],
      },
      spec: {
        containers: [
          {
            name: "nginx",
            image: "nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
          },
        ],
        imagePullSecrets: [{ name: "regcred" }],
        serviceAccountName: "default",
        nodeName: "minikube",
      },
      status: {
        phase: "Running",
        startTime: "2023-03-26T09:10:32Z",
        containerStatuses: [
          {
            name: "nginx",
            image: "sha256:295c7be079025306c4f1d65997fcf7adb411c88f139ad1d34b537164aa060369",
            imageID:
              "docker-pullable://nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
            state: { running: { startedAt: "2023-03-26T09:10:35Z" } },
          },
        ],
      },
    });
  });

  it("leaves absent parts absent", () => {
    expect(trimPod({ metadata: { name: "p" } })).toEqual({ metadata: { name: "p" } });
    expect(trimPod({ metadata: {}, spec: {}, status: { containerStatuses: [{ name: "c" }] } })).toEqual({
      metadata: {},
      spec: {},
      status: { containerStatuses: [{ name: "c" }] },
    });
    expect(trimOwned({ metadata: { name: "rs", namespace: "default" } })).toEqual({
      metadata: { name: "rs", namespace: "default" },
    });
  });

  it("passes secret data through still base64", () => {
    expect(
      trimSecret({
        metadata: { name: "regcred", namespace: "default" },
        type: "kubernetes.io/dockerconfigjson",
        data: { ".dockerconfigjson": "eyJhdXRocyI6e319" },
      }),
    ).toEqual({
      metadata: { name: "regcred", namespace: "default" },
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": "eyJhdXRocyI6e319" },
    });
  });
});
