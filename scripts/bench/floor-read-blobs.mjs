// The floor `vigil sbom` is measured against: read every layer blob of an image from the
// registry over HTTP, sha256 it, gunzip it and sha256 the tar, in one Node process, layer
// after layer. Nothing a scanner could skip.
import { createHash } from "node:crypto";
import { createGunzip } from "node:zlib";
import { request } from "undici";

const [host, repository, tag] = process.argv.slice(2);
const accept =
  "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
const manifest = await (
  await request(`http://${host}/v2/${repository}/manifests/${tag}`, { headers: { accept } })
).body.json();
for (const layer of manifest.layers) {
  const { body } = await request(`http://${host}/v2/${repository}/blobs/${layer.digest}`);
  const blobHash = createHash("sha256");
  const tarHash = createHash("sha256");
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const done = (async () => {
    for await (const chunk of gunzip) tarHash.update(chunk);
  })();
  for await (const chunk of body) {
    blobHash.update(chunk);
    if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once("drain", r));
  }
  gunzip.end();
  await done;
  if (`sha256:${blobHash.digest("hex")}` !== layer.digest) throw new Error(`digest mismatch ${layer.digest}`);
  tarHash.digest();
}
