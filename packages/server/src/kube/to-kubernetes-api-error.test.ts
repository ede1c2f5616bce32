import { ApiException } from "@kubernetes/client-node";
import { KubernetesApiError } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { toKubernetesApiError } from "./kubernetes-client-reader.js";

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

  it("keeps a body that is no Status as the message, trimmed and cut", () => {
    const error = toKubernetesApiError(
      { code: 502, body: `  <html>${"x".repeat(600)}</html>\n` },
      {
        verb: "list",
        resource: "namespaces",
      },
    );
    expect(error).toMatchObject({ status: 502, reason: "HTTP 502" });
    expect(error.serverMessage).toHaveLength(500);
    expect(error.serverMessage.startsWith("<html>x")).toBe(true);
  });
});
