import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { describe, expect, it } from "vitest";
import { buildTar } from "../layer/test-support/tar-builder.js";
import { scanImageInventory } from "../scan/scan-image-inventory.js";
import { createMemoryImageSource } from "../scan/test-support/memory-image-source.js";
import { renderCycloneDxSbom } from "./cyclonedx-sbom.js";

const tar = buildTar([
  {
    name: "etc/os-release",
    content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
  },
  {
    name: "var/lib/dpkg/status",
    content:
      "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u4\nSource: glibc\nArchitecture: amd64\n\n" +
      "Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nSource: zlib\nArchitecture: amd64\n",
  },
]);

describe("CycloneDX SBOM", () => {
  it("validates against the official CycloneDX 1.6 JSON schema and is reproducible", async () => {
    const scan = await scanImageInventory({ source: createMemoryImageSource([{ tar }]) });
    const now = new Date("2026-01-02T03:04:05Z");
    const render = () =>
      renderCycloneDxSbom({ image: scan.image!, inventory: scan.inventory!, now, toolVersion: "0.1.0" });
    const json = render();
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    expect(await validator.validate(json)).toBeNull();
    expect(render()).toBe(json);
    const doc = JSON.parse(json);
    expect(doc.specVersion).toBe("1.6");
    const libc = doc.components.find((c: { name: string }) => c.name === "libc6");
    expect(libc.purl).toBe("pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64&distro=debian-12&upstream=glibc");
    expect(libc.properties).toContainEqual({ name: "vigil:file:path", value: "/var/lib/dpkg/status" });
    expect(doc.components.find((c: { type: string }) => c.type === "operating-system")).toMatchObject({
      name: "debian",
      version: "12",
    });
    expect(doc.metadata.component.type).toBe("container");
  });
});
