// An in-process stand-in for OpenClaw's plugin host that only collects what a plugin
// registers (hook handlers, gateway methods), and delivers events the way OpenClaw does: to
// the handlers of the instance it routes them to. Used by unit tests and the benchmark.

export type Handler = (event: unknown, ctx: unknown) => unknown;
export type GatewayHandler = (opts: { params: unknown; respond: (ok: boolean, payload?: unknown, err?: unknown) => void }) => unknown;

export interface FakeInstance {
  mode: string;
  hooks: Map<string, Handler[]>;
  methods: Map<string, { handler: GatewayHandler; scope?: string }>;
  providers: { id: string }[];
  api: Record<string, unknown>;
  logs: { level: string; msg: string }[];
}

export function fakeInstance(mode: string, pluginConfig: unknown, extra: Record<string, unknown> = {}): FakeInstance {
  const inst: FakeInstance = { mode, hooks: new Map(), methods: new Map(), providers: [], api: {}, logs: [] };
  inst.api = {
    id: 'nemo-relay',
    registrationMode: mode,
    pluginConfig,
    config: { plugins: { entries: { 'nemo-relay': { hooks: { allowConversationAccess: true } } } } },
    runtime: { version: '2026.9.6' },
    logger: {
      info: (msg: string) => inst.logs.push({ level: 'info', msg }),
      warn: (msg: string) => inst.logs.push({ level: 'warn', msg }),
      error: (msg: string) => inst.logs.push({ level: 'error', msg }),
      debug: () => {},
    },
    on: (name: string, handler: Handler) => {
      const list = inst.hooks.get(name) ?? [];
      list.push(handler);
      inst.hooks.set(name, list);
    },
    registerGatewayMethod: (method: string, handler: GatewayHandler, opts?: { scope?: string }) => {
      inst.methods.set(method, { handler, scope: opts?.scope });
    },
    registerProvider: (provider: { id: string }) => inst.providers.push(provider),
    ...extra,
  };
  return inst;
}

/** Delivers one hook to every handler the instance registered for it; returns their results. */
export function fire(inst: FakeInstance, hook: string, event: unknown, ctx: unknown): unknown[] {
  return (inst.hooks.get(hook) ?? []).map((h) => h(event, ctx));
}

export async function callMethod(inst: FakeInstance, method: string, params: unknown = {}): Promise<{ ok: boolean; payload: unknown }> {
  const entry = inst.methods.get(method);
  if (!entry) throw new Error(`method ${method} not registered on the ${inst.mode} instance`);
  return new Promise((resolve) => {
    void entry.handler({ params, respond: (ok, payload) => resolve({ ok, payload }) });
  });
}
