// The Dynamo provider's environment: read once, validated, with problems reported by variable
// name. A bad value never throws out of readDynamoEnv: the plugin must keep OpenClaw running, so
// the affected feature falls back (or switches off) and the problem is logged and shown in status.
// parseDynamoEnv is the strict form for callers (and tests) that want the first bad value to stop them.

export type EnvMap = Readonly<Record<string, string | undefined>>;

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8000/v1';
export const DEFAULT_API_KEY = 'dynamo-local';
export const DEFAULT_SESSION_TYPE_ID = 'openclaw_coding_agent';
/** Dynamo's own default for session_control.timeout; sending it explicitly keeps the two in step. */
export const DEFAULT_SESSION_TIMEOUT_SECONDS = 300;
export const DEFAULT_TOOL_EVENTS_TOPIC = 'agent-tool-events';

/** This process is itself a subagent child, started by a launcher that told us so through env. */
export interface DynamoChildProcess {
  source: 'PI_SUBAGENT' | 'OPENCLAW_AGENT';
  /** The child's own trajectory id when the launcher provided one. */
  trajectoryId?: string;
  parentTrajectoryId?: string;
}

export interface DynamoEnv {
  /** Without trailing slash, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  baseUrlSource: 'DYNAMO_BASE_URL' | 'OPENAI_BASE_URL' | 'default';
  /** Secret when it came from DYNAMO_API_KEY: never log or report it. */
  apiKey: string;
  apiKeySource: 'DYNAMO_API_KEY' | 'default';
  /** DYN_AGENT_TRACE: agent context, subagent sessions and the tool relay all hang off this switch. */
  trace: boolean;
  sessionTypeId: string;
  sessionId?: string;
  trajectoryId?: string;
  parentTrajectoryId?: string;
  /** DYN_AGENT_SESSION_CONTROL (default on): pin subagents with nvext.session_control. */
  sessionControl: boolean;
  sessionTimeoutSeconds: number;
  toolEvents?: { endpoint: string; topic: string };
  child?: DynamoChildProcess;
}

export interface EnvProblem {
  variable: string;
  message: string;
}

export class DynamoEnvError extends Error {
  readonly problems: readonly EnvProblem[];
  constructor(problems: readonly EnvProblem[]) {
    super(`invalid Dynamo environment: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
    this.name = 'DynamoEnvError';
    this.problems = problems;
  }
}

const TRUE_WORDS = new Set(['1', 'true', 'on', 'yes']);
const FALSE_WORDS = new Set(['0', 'false', 'off', 'no']);
const MAX_ID_LENGTH = 256;
// Ids travel in HTTP headers (x-dynamo-session-id ...) as well as in the body; fetch rejects
// anything outside visible ASCII there, so we refuse it up front with a message that names the variable.
const HEADER_SAFE = /^[\x20-\x7e]+$/;

export function readDynamoEnv(env: EnvMap): { config: DynamoEnv; problems: EnvProblem[] } {
  const problems: EnvProblem[] = [];
  const problem = (variable: string, message: string): void => {
    problems.push({ variable, message });
  };

  const base = readBaseUrl(env, problem);
  const apiKeyRaw = present(env, 'DYNAMO_API_KEY');
  let apiKey = DEFAULT_API_KEY;
  let apiKeySource: DynamoEnv['apiKeySource'] = 'default';
  if (apiKeyRaw !== undefined) {
    if (/[\r\n]/.test(apiKeyRaw)) {
      problem('DYNAMO_API_KEY', 'expected a single-line token; it contains a line break (using the default key instead)');
    } else if (apiKeyRaw !== DEFAULT_API_KEY) {
      // The default itself, typed by the user, is still the default: not a secret, and reported as such.
      apiKey = apiKeyRaw;
      apiKeySource = 'DYNAMO_API_KEY';
    }
  }

  const trace = readBoolean(env, 'DYN_AGENT_TRACE', false, problem);
  const sessionControl = readBoolean(env, 'DYN_AGENT_SESSION_CONTROL', true, problem);
  const sessionTypeId = readId(env, 'DYN_AGENT_SESSION_TYPE_ID', problem) ?? DEFAULT_SESSION_TYPE_ID;
  const sessionId = readId(env, 'DYN_AGENT_SESSION_ID', problem);
  const trajectoryId = readId(env, 'DYN_AGENT_TRAJECTORY_ID', problem);
  const parentTrajectoryId = readId(env, 'DYN_AGENT_PARENT_TRAJECTORY_ID', problem);
  const sessionTimeoutSeconds = readTimeout(env, problem);
  const toolEvents = readToolEvents(env, problem);
  const child = readChildProcess(env, problem);

  const config: DynamoEnv = {
    baseUrl: base.url,
    baseUrlSource: base.source,
    apiKey,
    apiKeySource,
    trace,
    sessionTypeId,
    sessionControl,
    sessionTimeoutSeconds,
  };
  if (sessionId !== undefined) config.sessionId = sessionId;
  if (trajectoryId !== undefined) config.trajectoryId = trajectoryId;
  if (parentTrajectoryId !== undefined) config.parentTrajectoryId = parentTrajectoryId;
  if (toolEvents !== undefined) config.toolEvents = toolEvents;
  if (child !== undefined) config.child = child;
  return { config, problems };
}

export function parseDynamoEnv(env: EnvMap): DynamoEnv {
  const { config, problems } = readDynamoEnv(env);
  if (problems.length > 0) throw new DynamoEnvError(problems);
  return config;
}

type Report = (variable: string, message: string) => void;

/** Unset and blank are the same thing for every variable here: shells export empty strings freely. */
function present(env: EnvMap, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

function readBaseUrl(env: EnvMap, problem: Report): { url: string; source: DynamoEnv['baseUrlSource'] } {
  for (const name of ['DYNAMO_BASE_URL', 'OPENAI_BASE_URL'] as const) {
    const raw = present(env, name);
    if (raw === undefined) continue;
    const normalized = normalizeHttpUrl(raw);
    if (typeof normalized === 'string') return { url: normalized, source: name };
    problem(name, `expected an http(s) URL such as ${DEFAULT_BASE_URL}, got ${JSON.stringify(raw)} (${normalized.reason})`);
  }
  return { url: DEFAULT_BASE_URL, source: 'default' };
}

export function normalizeHttpUrl(raw: string): string | { reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { reason: 'not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { reason: `unsupported scheme ${url.protocol}` };
  if (url.search !== '' || url.hash !== '') return { reason: 'query strings and fragments are not allowed' };
  return url.toString().replace(/\/+$/, '');
}

function readBoolean(env: EnvMap, name: string, fallback: boolean, problem: Report): boolean {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const word = raw.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  problem(name, `expected 1/true/on/yes or 0/false/off/no, got ${JSON.stringify(raw)} (using ${fallback ? 'on' : 'off'})`);
  return fallback;
}

function readId(env: EnvMap, name: string, problem: Report): string | undefined {
  const raw = present(env, name);
  if (raw === undefined) return undefined;
  if (raw.length > MAX_ID_LENGTH) {
    problem(name, `expected at most ${MAX_ID_LENGTH} characters, got ${raw.length} (ignored)`);
    return undefined;
  }
  if (!HEADER_SAFE.test(raw)) {
    problem(name, 'expected printable ASCII only, because the id is also sent as an HTTP header (ignored)');
    return undefined;
  }
  return raw;
}

function readTimeout(env: EnvMap, problem: Report): number {
  const raw = present(env, 'DYN_AGENT_SESSION_TIMEOUT');
  if (raw === undefined) return DEFAULT_SESSION_TIMEOUT_SECONDS;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > 86_400) {
    problem(
      'DYN_AGENT_SESSION_TIMEOUT',
      `expected whole seconds between 1 and 86400, got ${JSON.stringify(raw)} (using ${DEFAULT_SESSION_TIMEOUT_SECONDS})`,
    );
    return DEFAULT_SESSION_TIMEOUT_SECONDS;
  }
  return value;
}

function readToolEvents(env: EnvMap, problem: Report): DynamoEnv['toolEvents'] {
  const raw = present(env, 'DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT');
  const topicRaw = env['DYN_AGENT_TOOL_EVENTS_ZMQ_TOPIC'];
  const topic = topicRaw === undefined || topicRaw.trim() === '' ? DEFAULT_TOOL_EVENTS_TOPIC : topicRaw.trim();
  if (raw === undefined) return undefined;
  const reason = zmqEndpointProblem(raw);
  if (reason !== undefined) {
    problem(
      'DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT',
      `expected tcp://<host>:<port> or ipc://<path>, got ${JSON.stringify(raw)} (${reason}; tool relay off)`,
    );
    return undefined;
  }
  return { endpoint: raw, topic };
}

function zmqEndpointProblem(raw: string): string | undefined {
  if (raw.startsWith('ipc://')) return raw.length > 'ipc://'.length ? undefined : 'empty ipc path';
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/.exec(raw);
  if (match === null) return 'unsupported form';
  const host = match[1] ?? '';
  const port = Number(match[2]);
  // We connect; Dynamo binds. A wildcard host only makes sense on the bind side.
  if (host === '*') return 'a wildcard host cannot be connected to';
  if (port < 1 || port > 65_535) return 'port out of range';
  return undefined;
}

function readChildProcess(env: EnvMap, problem: Report): DynamoChildProcess | undefined {
  const piChild = present(env, 'PI_SUBAGENT_CHILD');
  if (piChild !== undefined && TRUE_WORDS.has(piChild.toLowerCase())) {
    const child: DynamoChildProcess = { source: 'PI_SUBAGENT' };
    const parts = ['PI_SUBAGENT_RUN_ID', 'PI_SUBAGENT_CHILD_AGENT', 'PI_SUBAGENT_CHILD_INDEX'].map((name) => ({
      name,
      value: readId(env, name, problem),
    }));
    const missing = parts.filter((p) => p.value === undefined).map((p) => p.name);
    if (missing.length === 0) {
      child.trajectoryId = parts.map((p) => p.value).join(':');
    } else {
      problem(
        missing.join(', '),
        'PI_SUBAGENT_CHILD is set, so the child id <run>:<agent>:<index> needs all three variables; using the OpenClaw session id instead',
      );
    }
    const parent = readId(env, 'OPENCLAW_AGENT_PARENT_SESSION_ID', problem);
    if (parent !== undefined) child.parentTrajectoryId = parent;
    return child;
  }
  const parent = readId(env, 'OPENCLAW_AGENT_PARENT_SESSION_ID', problem);
  if (parent === undefined) {
    if (present(env, 'OPENCLAW_AGENT_SESSION_ID') !== undefined) {
      problem('OPENCLAW_AGENT_SESSION_ID', 'only meaningful with OPENCLAW_AGENT_PARENT_SESSION_ID, which is unset (ignored)');
    }
    return undefined;
  }
  const child: DynamoChildProcess = { source: 'OPENCLAW_AGENT', parentTrajectoryId: parent };
  const own = readId(env, 'OPENCLAW_AGENT_SESSION_ID', problem);
  if (own !== undefined) child.trajectoryId = own;
  return child;
}
