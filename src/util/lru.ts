// Least-recently-used bookkeeping on a plain Map. A Map iterates in insertion order, so
// re-inserting an entry on use keeps the least recently used one first: eviction is O(1)
// and no extra list or node objects are allocated on the hook path.

/** Returns the entry and marks it most recently used; undefined when absent. */
export function lruGet<K, V>(map: Map<K, V>, key: K): V | undefined {
  const value = map.get(key);
  if (value === undefined) return undefined;
  map.delete(key);
  map.set(key, value);
  return value;
}

/**
 * Inserts a new entry as most recently used. When that takes the map over `cap`, removes the
 * least recently used entry and returns it so the caller can count it and clean up indexes.
 * One insert can push the map over the cap by one at most, so one eviction is enough.
 */
export function lruInsert<K, V>(map: Map<K, V>, key: K, value: V, cap: number): [K, V] | undefined {
  map.set(key, value);
  if (map.size <= cap) return undefined;
  const oldest = map.entries().next();
  if (oldest.done) return undefined;
  map.delete(oldest.value[0]);
  return oldest.value;
}
