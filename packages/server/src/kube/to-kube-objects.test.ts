import { ApiException, type V1Pod } from "@kubernetes/client-node";
import { KubernetesApiError } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { toKubernetesApiError } from "./kubernetes-client-reader.js";
import { toApiTime, toKubePod, toKubeSecret, toListMeta } from "./to-kube-objects.js";

describe("client-node models to core objects", () => {
  it("writes times back as the API does (second precision, fractions only when present)", () => {
    expect(toApiTime(new Date("2023-03-26T09:10:35Z"))).toBe("2023-03-26T09:10:35Z");
    expect(toApiTime(new Date("2023-03-26T09:10:35.123Z"))).toBe("2023-03-26T09:10:35.123Z");
    expect(toApiTime("2023-03-26T09:10:35Z")).toBe("2023-03-26T09:10:35Z");
    expect(toApiTime(undefined)).toBeUndefined();
    expect(toApiTime(new Date("not a date"))).toBeUndefined();
  });

  it("renames _continue back to continue, and drops an empty one", () => {
    expect(toListMeta({ _continue: "abc", resourceVersion: "7" })).toEqual({
      continue: "abc",
      resourceVersion: "7",
    });
    expect(toListMeta({ _continue: "" })).toEqual({});
    expect(toListMeta(undefined)).toEqual({});
  });

  it("keeps what discovery reads of a pod, with Dates as API strings", () => {
    // The shape @kubernetes/client-node deserializes k8s-interface's deployment.json pod into.
    const pod: V1Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "nginx-84f5585d68-42mxd",
        namespace: "default",
        uid: "fa771236-d117-453c-b5dc-af14127cc648",
        creationTimestamp: new Date("2023-03-26T09:10:32Z"),
        labels: { app: "nginx", "pod-template-hash": "84f5585d68" },
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
        startTime: new Date("2023-03-26T09:10:32Z"),
        containerStatuses: [
          {
            name: "nginx",
            image: "sha256:295c7be079025306c4f1d65997fcf7adb411c88f139ad1d34b537164aa060369",
            imageID:
              "docker-pullable://nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: new Date("2023-03-26T09:10:35Z") } },
          },
        ],
      },
    };
    expect(toKubePod(pod)).toEqual({
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

  it("passes secret data through still base64", () => {
    expect(
      toKubeSecret({
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

describe("toKubernetesApiError", () => {
  it("keeps the Status reason and message the server sent", () => {
    const body = JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'pods is forbidden: User "system:serviceaccount:vigil:vigil" cannot list resource "pods" in API group "" in the namespace "kube-system"',
      reason: "Forbidden",
      details: { kind: "pods" },
      code: 403,
    });
    const error = toKubernetesApiError(new ApiException(403, "Unknown API Status Code!", body, {}), {
      verb: "list",
      resource: "pods",
      namespace: "kube-system",
    });
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({
      status: 403,
      reason: "Forbidden",
      verb: "list",
      resource: "pods",
      namespace: "kube-system",
      serverMessage:
        'pods is forbidden: User "system:serviceaccount:vigil:vigil" cannot list resource "pods" in API group "" in the namespace "kube-system"',
    });
    expect(error.message).toBe(
      'Kubernetes API refused to list pods in namespace "kube-system" (403 Forbidden): pods is forbidden: ' +
        'User "system:serviceaccount:vigil:vigil" cannot list resource "pods" in API group "" in the namespace "kube-system"',
    );
  });

  it("names the HTTP status when there is no Status body (401 from the generated client)", () => {
    const error = toKubernetesApiError(new ApiException(401, "Unauthorized", undefined, {}), {
      verb: "get",
      resource: "secrets",
      namespace: "default",
      name: "regcred",
    });
    expect(error).toMatchObject({
      status: 401,
      reason: "Unauthorized",
      objectName: "regcred",
      serverMessage: "",
    });
    expect(error.message).toBe(
      'Kubernetes API refused to get secrets "regcred" in namespace "default" (401 Unauthorized)',
    );
  });
});
