import type { ScanProgressEvent } from "@vigil/core";

/**
 * A one-line progress display (layers and bytes) on a terminal's stderr. It draws
 * nothing when stderr is not a terminal, so piped or redirected output stays clean.
 */
export function createProgressDisplay(stream: NodeJS.WriteStream): {
  onProgress: (event: ScanProgressEvent) => void;
  done: () => void;
} {
  if (!stream.isTTY) return { onProgress: () => {}, done: () => {} };
  let total = 0;
  let layers = 0;
  let finished = 0;
  let cached = 0;
  let bytes = 0;
  let lastDraw = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    stream.write(`\r\x1b[2KLayers ${finished}/${layers} (${cached} cached)  ${mb(bytes)}/${mb(total)} MB`);
  };
  return {
    onProgress(event) {
      switch (event.type) {
        case "resolved":
          total = event.totalBytes;
          layers = event.layers;
          break;
        case "layer-bytes":
          bytes += event.bytes;
          break;
        case "layer-done":
          finished++;
          if (event.cached) cached++;
          break;
        default:
          break;
      }
      draw(event.type !== "layer-bytes");
    },
    done() {
      stream.write("\r\x1b[2K");
    },
  };
}
