// Defensive field readers for hook payloads. OpenClaw's payload types are not a contract we
// control: every read checks the type, and a present-but-wrong field is reported to the
// caller's `bad` list (so it can be counted and named) instead of throwing.

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects the fields of one payload that had the wrong type. */
export interface FieldProblems {
  list: string[];
}

export function str(o: Obj | undefined, key: string, bad: FieldProblems, path = key): string | undefined {
  const v = o?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  bad.list.push(`${path}: expected string, found ${describe(v)}`);
  return undefined;
}

export function num(o: Obj | undefined, key: string, bad: FieldProblems, path = key): number | undefined {
  const v = o?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  bad.list.push(`${path}: expected finite number, found ${describe(v)}`);
  return undefined;
}

export function bool(o: Obj | undefined, key: string, bad: FieldProblems, path = key): boolean | undefined {
  const v = o?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  bad.list.push(`${path}: expected boolean, found ${describe(v)}`);
  return undefined;
}

export function obj(o: Obj | undefined, key: string, bad: FieldProblems, path = key): Obj | undefined {
  const v = o?.[key];
  if (v === undefined || v === null) return undefined;
  if (isObj(v)) return v;
  bad.list.push(`${path}: expected object, found ${describe(v)}`);
  return undefined;
}

export function arr(o: Obj | undefined, key: string, bad: FieldProblems, path = key): unknown[] | undefined {
  const v = o?.[key];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v;
  bad.list.push(`${path}: expected array, found ${describe(v)}`);
  return undefined;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return v.length > 40 ? `string(${v.length})` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}
