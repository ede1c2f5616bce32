/** Progress events of an image scan, for a terminal display or logs. */
export type ScanProgressEvent =
  | {
      readonly type: "resolved";
      readonly reference: string;
      readonly layers: number;
      readonly totalBytes: number;
    }
  | { readonly type: "layer-start"; readonly index: number; readonly digest: string; readonly size: number }
  | { readonly type: "layer-bytes"; readonly index: number; readonly bytes: number }
  | {
      readonly type: "layer-done";
      readonly index: number;
      readonly cached: boolean;
      readonly failed: boolean;
    };
