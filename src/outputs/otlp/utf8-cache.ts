// UTF-8 bytes of long attribute values, shared by the encodes of one process. A run's tool
// schemas, system prompt and conversation so far recur on each of its LLM spans (and in both
// projections), as equal strings built anew each time (JSON.stringify): looked up by content,
// the conversion happens once. V8 hashes a string this long by its length alone, so a lookup
// costs one comparison with an equal-length entry, at memory speed.
//
// Bounded in bytes; the oldest entry goes first (insertion order). It holds copies, never the
// strings themselves, so it keeps no run alive.

/** Strings at least this long are converted with TextEncoder (and looked up here when longer still). */
export const LONG_STRING = 256;
const CACHED_STRING = 4096;
const CACHE_BYTES = 16 * 1024 * 1024;

const encoder = new TextEncoder();
const cache = new Map<string, Uint8Array>();
let cachedBytes = 0;
export const utf8CacheStats = { hits: 0, misses: 0 };

export function utf8Of(s: string): Uint8Array {
  if (s.length < CACHED_STRING) return encoder.encode(s);
  const hit = cache.get(s);
  if (hit) {
    utf8CacheStats.hits++;
    return hit;
  }
  utf8CacheStats.misses++;
  const bytes = encoder.encode(s);
  if (bytes.length > CACHE_BYTES / 4) return bytes;
  cache.set(s, bytes);
  cachedBytes += bytes.length;
  for (const [k, v] of cache) {
    if (cachedBytes <= CACHE_BYTES) break;
    cache.delete(k);
    cachedBytes -= v.length;
  }
  return bytes;
}
