/**
 * A memo for values that recur (endpoints, sender addresses): it forgets
 * everything once it holds `max` entries, so it stays bounded whatever the
 * keys, and a hit is one Map lookup. `compute` gets the key (a function made
 * once, not a closure per call, on the send path). `keep: false` computes
 * without storing (keys too long to be worth holding).
 */
export function remember<V>(cache: Map<string, V>, max: number, key: string, compute: (key: string) => V, keep = true): V {
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const value = compute(key);
  if (keep) {
    if (cache.size >= max) cache.clear();
    cache.set(key, value);
  }
  return value;
}
