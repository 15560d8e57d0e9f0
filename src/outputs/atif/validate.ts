// ATIF v1.7 validation: schemas/atif.schema.json (structure, unknown keys, agent-only fields)
// plus the RFC 0001 rules a JSON schema cannot state:
//   - step_id is 1..n in order, in every trajectory (embedded ones restart at 1)
//   - an observation result's source_call_id names a tool call of the same step
//   - a subagent_trajectory_ref by trajectory_id (no trajectory_path) resolves to an entry of
//     the same document's subagent_trajectories, and those trajectory_ids are unique
//   - tool_call_ids are unique within a step (otherwise source_call_id is ambiguous)
// Errors carry a JSON pointer to the offending value.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

export interface AtifValidationError {
  /** JSON pointer into the document, e.g. `/steps/2/tool_calls`. */
  path: string;
  message: string;
}

export interface AtifValidationResult {
  valid: boolean;
  errors: AtifValidationError[];
}

const AGENT_ONLY = new Set(['model_name', 'reasoning_effort', 'reasoning_content', 'tool_calls', 'metrics']);

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!compiled) {
    // Read at first use, not at import: a missing file must not break loading the plugin.
    const file = fileURLToPath(new URL('../../../schemas/atif.schema.json', import.meta.url));
    const schema = JSON.parse(readFileSync(file, 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

function describe(e: ErrorObject): AtifValidationError | undefined {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: `${e.instancePath}/${String(p['additionalProperty'])}`, message: `unknown key "${String(p['additionalProperty'])}" is not allowed` };
    case 'false schema': {
      const key = e.instancePath.slice(e.instancePath.lastIndexOf('/') + 1);
      if (AGENT_ONLY.has(key) && /\/steps\/\d+\/[a-z_]+$/.test(e.instancePath) && e.schemaPath.startsWith('#/else/')) {
        return { path: e.instancePath, message: `"${key}" is only allowed on agent steps (source "agent")` };
      }
      if (e.schemaPath.startsWith('#/then/then/')) {
        return { path: e.instancePath, message: `"${key}" is not allowed on an agent step with llm_call_count 0 (no LLM inference)` };
      }
      return { path: e.instancePath, message: `"${key}" is not allowed here` };
    }
    case 'if':
      // The branch errors that explain it are reported on their own.
      return undefined;
    default:
      return { path: e.instancePath || '/', message: e.message ?? e.keyword };
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The rules beyond the schema, applied to one trajectory and, recursively, its embedded ones. */
function checkRules(doc: unknown, base: string, out: AtifValidationError[]): void {
  if (!isObj(doc)) return;
  const embedded = new Set<string>();
  const subs = Array.isArray(doc['subagent_trajectories']) ? doc['subagent_trajectories'] : [];
  subs.forEach((sub, i) => {
    const id = isObj(sub) ? sub['trajectory_id'] : undefined;
    if (typeof id === 'string') {
      if (embedded.has(id)) out.push({ path: `${base}/subagent_trajectories/${i}/trajectory_id`, message: `duplicate embedded trajectory_id "${id}"` });
      embedded.add(id);
    }
    checkRules(sub, `${base}/subagent_trajectories/${i}`, out);
  });

  const steps = Array.isArray(doc['steps']) ? doc['steps'] : [];
  steps.forEach((step, i) => {
    if (!isObj(step)) return;
    const at = `${base}/steps/${i}`;
    if (step['step_id'] !== i + 1) out.push({ path: `${at}/step_id`, message: `step_id must be ${i + 1} (sequential from 1), found ${JSON.stringify(step['step_id'])}` });

    const ids = new Set<string>();
    const calls = Array.isArray(step['tool_calls']) ? step['tool_calls'] : [];
    calls.forEach((tc, j) => {
      const id = isObj(tc) ? tc['tool_call_id'] : undefined;
      if (typeof id !== 'string') return;
      if (ids.has(id)) out.push({ path: `${at}/tool_calls/${j}/tool_call_id`, message: `duplicate tool_call_id "${id}" in one step` });
      ids.add(id);
    });

    const obs = step['observation'];
    const results = isObj(obs) && Array.isArray(obs['results']) ? obs['results'] : [];
    results.forEach((r, j) => {
      if (!isObj(r)) return;
      const src = r['source_call_id'];
      if (typeof src === 'string' && !ids.has(src)) {
        out.push({ path: `${at}/observation/results/${j}/source_call_id`, message: `source_call_id "${src}" names no tool call of this step` });
      }
      const refs = Array.isArray(r['subagent_trajectory_ref']) ? r['subagent_trajectory_ref'] : [];
      refs.forEach((ref, k) => {
        if (!isObj(ref)) return;
        const tid = ref['trajectory_id'];
        const byPath = typeof ref['trajectory_path'] === 'string';
        if (typeof tid === 'string' && !byPath && !embedded.has(tid)) {
          out.push({ path: `${at}/observation/results/${j}/subagent_trajectory_ref/${k}/trajectory_id`, message: `trajectory_id "${tid}" matches no entry of subagent_trajectories` });
        }
      });
    });
  });
}

/**
 * ajv reports each failed anyOf branch separately and then the anyOf itself; one line saying
 * "A, or B" at the anyOf's location reads better than three.
 */
function collapseAnyOf(raw: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  for (const e of raw) {
    if (e.keyword !== 'anyOf') {
      out.push(e);
      continue;
    }
    const branch = (x: ErrorObject): boolean => x.schemaPath.startsWith(`${e.schemaPath}/`) && x.instancePath.startsWith(e.instancePath);
    const parts = out.filter(branch).map((x) => x.message ?? x.keyword);
    const kept = out.filter((x) => !branch(x));
    out.length = 0;
    out.push(...kept, { ...e, message: parts.length > 0 ? [...new Set(parts)].join(', or ') : (e.message ?? 'must match a schema in anyOf') });
  }
  return out;
}

export function validateAtif(doc: unknown): AtifValidationResult {
  const validate = schemaValidator();
  const errors: AtifValidationError[] = [];
  if (!validate(doc)) {
    const seen = new Set<string>();
    for (const e of collapseAnyOf(validate.errors ?? [])) {
      const d = describe(e);
      if (!d) continue;
      const key = `${d.path}\u0000${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      errors.push(d);
    }
  }
  checkRules(doc, '', errors);
  return { valid: errors.length === 0, errors };
}

/** One line per error, for assertion messages and logs. */
export function formatAtifErrors(errors: readonly AtifValidationError[]): string {
  return errors.map((e) => `${e.path || '/'}: ${e.message}`).join('\n');
}
