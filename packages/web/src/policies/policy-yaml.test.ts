import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { NEW_POLICY, policyYamlOf } from "./policy-yaml.js";

describe("the policy form's YAML", () => {
  it("writes the fields as the server's policy shape, each value quoted so none breaks its line", () => {
    const yaml = policyYamlOf({
      ...NEW_POLICY,
      name: 'nightly "prod"\nenabled: false',
      clusters: "prod-eu, staging-us",
      namespaces: "shop",
    });
    expect(parse(yaml)).toEqual({
      name: 'nightly "prod"\nenabled: false',
      description: NEW_POLICY.description,
      enabled: true,
      rules: [
        {
          type: "schedule",
          cadence: "0 2 * * *",
          timezone: "UTC",
          clusters: ["prod-eu", "staging-us"],
          namespaces: ["shop"],
        },
      ],
      actions: [{ scan: "cluster_image_scanning", severity_threshold: "low" }],
    });
  });
});
