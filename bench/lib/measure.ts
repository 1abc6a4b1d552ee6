// Shared by the benches: printing rates, and metering frames under the real XS engine.

export function group(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ",");
}

/** Prints and returns a rate: `count` items handled in `ms` milliseconds. */
export function rate(label: string, count: number, ms: number, unit: string): number {
  const perSecond = (count / ms) * 1000;
  console.log(`${label.padEnd(44)} ${group(perSecond).padStart(9)} ${unit}/s`);
  return perSecond;
}

/**
 * XS compute units per frame (xsnap's deterministic meter) and the largest heap after one, for
 * `frames` sent one by one to the worker `entry`. Imported lazily by callers that also time Node:
 * the XS harness loads @endo/init, which hardens the realm and must not colour Node figures.
 */
export async function meterUnderXs(entry: string, frames: string[]): Promise<{ compute: number; heap: number }> {
  const { startXs } = await import("../../test/helpers/xs.js");
  const xs = await startXs(entry);
  try {
    let compute = 0;
    let heap = 0;
    for (const f of frames) {
      const r = await xs.command(f);
      compute += r.compute;
      heap = Math.max(heap, r.heap);
    }
    return { compute: compute / frames.length, heap };
  } finally {
    await xs.close();
  }
}
