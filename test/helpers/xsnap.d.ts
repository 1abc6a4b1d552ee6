// @agoric/xsnap ships JavaScript with JSDoc only; the harness uses this much of it.
declare module "@agoric/xsnap" {
  export interface XsnapWorker {
    evaluate(code: string): Promise<unknown>;
    issueCommand(message: Uint8Array): Promise<{ reply: Uint8Array; meterUsage: { compute: number | null; currentHeapCount: number | null } }>;
    close(): Promise<void>;
  }
  export function xsnap(options: Record<string, unknown>): Promise<XsnapWorker>;
}
