// Gives a large buffer's memory back to the allocator now rather than at a full collection.
//
// An export request lives long enough (encoded, queued, compressed, written, answered) to
// survive two scavenges, so its JS wrapper is promoted and its backing store is freed only by
// a mark-compact, which a busy gateway may not run for minutes. Meanwhile glibc cannot reuse
// those blocks and the process grows by every request sent since the last one. Detaching
// the ArrayBuffer (`transfer(0)`) frees the store at once.
//
// Only for buffers this code alone owns and nothing native still reads: the caller knows the
// write, send or compression that used it has completed. Small buffers are left alone: they
// may be slices of Node's shared Buffer pool, and freeing them gains nothing.

/** Below this, a buffer is left to the collector (Node's pool slabs are 8 kB). */
const MIN_RELEASE_BYTES = 64 * 1024;

interface Detachable {
  transfer?: (newLength?: number) => ArrayBuffer;
  readonly detached?: boolean;
}

/**
 * Frees `bytes`' backing store if it is large and `bytes` views most of it (a view of a small
 * part may share its store with other live views); true if freed. `ownsStore`: the caller
 * knows no other view of the store is live (a whole file read back for one write, the output
 * of a finished compression).
 */
export function releaseNow(bytes: Uint8Array | undefined, ownsStore = false): boolean {
  if (!bytes) return false;
  const store = bytes.buffer as ArrayBuffer & Detachable;
  if (typeof store.transfer !== 'function' || store.detached) return false;
  if (store.byteLength < MIN_RELEASE_BYTES || (!ownsStore && bytes.byteLength * 2 < store.byteLength)) return false;
  try {
    store.transfer(0);
    return true;
  } catch {
    // Node makes some stores non-detachable (a zlib stream's output chunks): the collector's.
    return false;
  }
}
