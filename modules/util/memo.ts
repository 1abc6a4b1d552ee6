// A bounded cache for what is worked out from text that repeats telegram after telegram. The Map
// is made on first use, not at module load: the dongle preloads modules into flash, where a Map
// made at build time is read-only (XS throws on set).

/** `compute(key)`, remembered for up to `limit` keys (then the cache starts over). */
export function memo<V>(limit: number, compute: (key: string) => V): (key: string) => V {
  let cache: Map<string, V> | undefined;
  return (key) => {
    cache ??= new Map();
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(key);
      if (cache.size >= limit) cache.clear();
      cache.set(key, value);
    }
    return value;
  };
}
