// Comparing a replayed ATIF file with the live one. A journal is written after the capture
// policy: with tool arguments or results stripped, a replay cannot rebuild the provider's exact
// request bytes, so it cannot prove an LLM input `exact` that the live run proved (it says
// `reconstructed`). Everything else must be equal; these fields are set aside on both sides.

export function withoutInputProofs(doc: unknown): unknown {
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v === null || typeof v !== 'object') return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'input_fidelity' || k === 'input_proof') continue;
      if (k === 'marks' && Array.isArray(x)) {
        const kept = x.filter((m) => !String((m as { name?: unknown }).name).startsWith('llm.input'));
        if (kept.length > 0) o[k] = visit(kept);
        continue;
      }
      o[k] = visit(x);
    }
    return o;
  };
  return visit(doc);
}
