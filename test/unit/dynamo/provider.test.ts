import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamo, registerDynamo } from '../../../src/dynamo/index.ts';
import { fetchModelCatalog, parseModelList } from '../../../src/dynamo/model-catalog.ts';
import { startMockDynamo, type MockDynamo } from '../../support/mock-dynamo.ts';
import { closedPort, identityView } from './fixtures.ts';

type Provider = ReturnType<typeof createDynamo>['provider'];
type CatalogCtx = Parameters<NonNullable<Provider['catalog']>['run']>[0];
type DynamicCtx = Parameters<NonNullable<Provider['resolveDynamicModel']>>[0];

const quietLogger = () => {
  const lines: string[] = [];
  return { lines, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
};
const catalogCtx = (config: Record<string, unknown> = {}) => ({ config, env: {} }) as unknown as CatalogCtx;
const dynamicCtx = (modelId: string, providerConfig?: Record<string, unknown>) =>
  ({ provider: 'dynamo', modelId, modelRegistry: {}, ...(providerConfig ? { providerConfig } : {}) }) as unknown as DynamicCtx;

let mock: MockDynamo;
beforeAll(async () => {
  mock = await startMockDynamo({ models: ['nvidia/nemotron-super', 'qwen3-coder'] });
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  mock.setModelsAnswer(undefined);
  mock.requests.length = 0;
});

function dynamo(vars: Record<string, string> = {}) {
  const logger = quietLogger();
  const instance = createDynamo({ identity: identityView([]), logger, env: { DYNAMO_BASE_URL: mock.baseUrl, ...vars } });
  return { instance, logger };
}

describe('dynamo provider', () => {
  it('lists the frontend models as an openai-completions provider', async () => {
    const { instance } = dynamo();
    const result = await instance.provider.catalog?.run(catalogCtx());
    expect(result).toEqual({
      provider: {
        baseUrl: mock.baseUrl,
        api: 'openai-completions',
        apiKey: 'DYNAMO_API_KEY',
        models: [
          expect.objectContaining({ id: 'nvidia/nemotron-super', name: 'nvidia/nemotron-super', input: ['text'] }),
          expect.objectContaining({ id: 'qwen3-coder' }),
        ],
      },
    });
    expect(mock.requests[0]?.headers['authorization']).toBe('Bearer dynamo-local');
    expect(instance.status().provider.catalog).toMatchObject({ state: 'ok', modelCount: 2, models: ['nvidia/nemotron-super', 'qwen3-coder'] });
  });

  it('never puts a real key into catalog output, only the variable name', async () => {
    const { instance } = dynamo({ DYNAMO_API_KEY: 'real-secret' });
    const result = (await instance.provider.catalog?.run(catalogCtx())) as { provider: { apiKey: string } };
    expect(result.provider.apiKey).toBe('DYNAMO_API_KEY');
    expect(mock.requests[0]?.headers['authorization']).toBe('Bearer real-secret');
    expect(JSON.stringify(instance.status())).not.toContain('real-secret');
  });

  it('reports an unreachable frontend by URL, in the log and in status, without throwing', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const { instance, logger } = dynamo({ DYNAMO_BASE_URL: url });
    await expect(instance.provider.catalog?.run(catalogCtx())).resolves.toBeNull();
    const catalog = instance.status().provider.catalog;
    expect(catalog.state).toBe('error');
    expect(catalog.lastError?.message).toBe(`Dynamo frontend at ${url}/models is unreachable: fetch failed: connect ECONNREFUSED ${url.slice(7, -3)}`);
    expect(logger.lines.join('\n')).toContain(`${url}/models`);
  });

  it.each([
    [{ body: '<html>gateway</html>' }, /malformed \/models answer: not JSON/],
    [{ body: '{"object":"list"}' }, /malformed \/models answer: expected a "data" array/],
    [{ body: '{"data":[{"object":"model"}]}' }, /malformed \/models answer: data\[0\]\.id is not a non-empty string/],
    [{ status: 500, body: '{"error":"boom"}' }, /answered HTTP 500/],
    [{ down: true as const }, /is unreachable/],
  ])('turns a bad /models answer (%j) into a clear error', async (answer, message) => {
    mock.setModelsAnswer(answer);
    const { instance } = dynamo();
    await expect(instance.provider.catalog?.run(catalogCtx())).resolves.toBeNull();
    expect(instance.status().provider.catalog.lastError?.message).toMatch(message);
  });

  it('gives up on a frontend that does not answer within the timeout', async () => {
    const hang = await import('node:net').then(
      ({ createServer }) =>
        new Promise<{ port: number; close: () => void }>((resolve) => {
          const server = createServer(() => undefined).listen(0, '127.0.0.1', () => {
            const address = server.address() as { port: number };
            resolve({ port: address.port, close: () => server.close() });
          });
        }),
    );
    try {
      const started = Date.now();
      const result = await fetchModelCatalog({ baseUrl: `http://127.0.0.1:${hang.port}/v1`, apiKey: 'k', timeoutMs: 300 });
      expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/no answer within 300 ms/) });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      hang.close();
    }
  });

  it('resolves any model id, using what the catalog knows', async () => {
    mock.setModelsAnswer({ body: JSON.stringify({ data: [{ id: 'long-ctx', max_model_len: 262144 }] }) });
    const { instance } = dynamo();
    await instance.provider.catalog?.run(catalogCtx());
    expect(instance.provider.resolveDynamicModel?.(dynamicCtx('long-ctx'))).toMatchObject({
      id: 'long-ctx',
      api: 'openai-completions',
      provider: 'dynamo',
      baseUrl: mock.baseUrl,
      contextWindow: 262144,
    });
    expect(instance.provider.resolveDynamicModel?.(dynamicCtx('never-listed', { baseUrl: 'http://cfg-host:8000/v1/' }))).toMatchObject({
      id: 'never-listed',
      baseUrl: 'http://cfg-host:8000/v1',
      contextWindow: 128000,
    });
  });

  it('declares its key variable, the setup auth method and the default key as synthetic auth', () => {
    const { instance } = dynamo();
    expect(instance.provider).toMatchObject({ id: 'dynamo', envVars: ['DYNAMO_API_KEY'] });
    expect(instance.provider.auth).toHaveLength(1);
    const method = instance.provider.auth[0]!;
    expect(method).toMatchObject({ id: 'custom', kind: 'custom' });
    expect(typeof method.run).toBe('function');
    expect(typeof method.runNonInteractive).toBe('function');
    expect(instance.provider.resolveSyntheticAuth?.({ provider: 'dynamo' } as never)).toMatchObject({ apiKey: 'dynamo-local', mode: 'api-key' });
    const user = dynamo({ DYNAMO_API_KEY: 'mine' }).instance;
    expect(user.provider.resolveSyntheticAuth?.({ provider: 'dynamo' } as never)).toMatchObject({ apiKey: 'mine', source: 'DYNAMO_API_KEY' });
  });

  it('the catalog probes with a key OpenClaw resolved (auth profile) over the default, never with a marker', async () => {
    const { instance } = dynamo();
    const ctx = (apiKey: string | undefined, discoveryApiKey?: string) =>
      ({ config: {}, env: {}, resolveProviderApiKey: () => ({ apiKey, ...(discoveryApiKey ? { discoveryApiKey } : {}) }) }) as unknown as CatalogCtx;
    await instance.provider.catalog?.run(ctx('DYNAMO_API_KEY', 'profile-key'));
    await instance.provider.catalog?.run(ctx('DYNAMO_API_KEY'));
    await instance.provider.catalog?.run(ctx(undefined));
    // What OpenClaw passes when the synthetic default is the only credential.
    await instance.provider.catalog?.run(ctx('secretref-managed'));
    const auth = mock.requests.filter((r) => r.path === '/v1/models').map((r) => r.headers['authorization']);
    expect(auth).toEqual(['Bearer profile-key', 'Bearer dynamo-local', 'Bearer dynamo-local', 'Bearer dynamo-local']);
  });

  it('wraps the stream only when DYN_AGENT_TRACE is on', () => {
    const inner = (() => undefined) as never;
    const ctx = (streamFn: unknown) => ({ provider: 'dynamo', modelId: 'm', streamFn }) as never;
    expect(dynamo().instance.provider.wrapStreamFn?.(ctx(inner))).toBeUndefined();
    expect(typeof dynamo({ DYN_AGENT_TRACE: '1' }).instance.provider.wrapStreamFn?.(ctx(inner))).toBe('function');
  });

  it('registers the same provider on every api instance', () => {
    const { instance } = dynamo();
    const seen: unknown[] = [];
    const api = { registerProvider: (provider: unknown) => seen.push(provider) };
    registerDynamo(api as never, instance);
    registerDynamo(api as never, instance);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
  });

  it('never writes the default key into process.env, so child processes inherit no key', () => {
    const saved = process.env['DYNAMO_API_KEY'];
    delete process.env['DYNAMO_API_KEY'];
    try {
      // No env map: createDynamo reads process.env itself, as in the plugin.
      const instance = createDynamo({ identity: identityView([]), logger: quietLogger() });
      expect(process.env['DYNAMO_API_KEY']).toBeUndefined();
      expect(instance.status().provider).toMatchObject({ apiKeySource: 'default', defaultKey: 'synthetic-auth' });
      expect(instance.provider.resolveSyntheticAuth?.({ provider: 'dynamo' } as never)).toMatchObject({ apiKey: 'dynamo-local' });
      expect(dynamo({ DYNAMO_API_KEY: 'mine' }).instance.status().provider.defaultKey).toBe('unused');
    } finally {
      if (saved === undefined) delete process.env['DYNAMO_API_KEY'];
      else process.env['DYNAMO_API_KEY'] = saved;
    }
  });

  it('reports env problems and what is switched off, and shuts down twice without harm', async () => {
    const { instance, logger } = dynamo({ DYN_AGENT_TRACE: '1', DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT: 'udp://x' });
    const status = instance.status();
    expect(status.envProblems).toEqual([{ variable: 'DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT', message: expect.stringContaining('tool relay off') }]);
    expect(status.toolRelay).toEqual({ enabled: false, reason: 'DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT is unset or invalid' });
    expect(status.sessionControl).toMatchObject({ enabled: true, open: 0 });
    expect(logger.lines[0]).toMatch(/^\[dynamo\] DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT: /);
    expect(dynamo().instance.status().sessionControl).toEqual({ enabled: false, reason: 'DYN_AGENT_TRACE is off' });
    await instance.shutdown();
    await instance.shutdown();
  });

  it('refreshes the catalog status from its own thread on demand', async () => {
    const { instance } = dynamo();
    expect(instance.status().provider.catalog.state).toBe('not-fetched');
    await expect(instance.refreshCatalog()).resolves.toMatchObject({ state: 'ok', modelCount: 2 });
    mock.setModelsAnswer({ down: true });
    await expect(instance.refreshCatalog()).resolves.toMatchObject({ state: 'error', models: ['nvidia/nemotron-super', 'qwen3-coder'] });
  });

  it('parses the OpenAI list shape strictly', () => {
    expect(parseModelList('{"data":[{"id":"a"},{"id":"a"},{"id":"b","context_length":4096}]}')).toEqual([
      { id: 'a' },
      { id: 'b', contextWindow: 4096 },
    ]);
    expect(parseModelList('[]')).toBe('expected a JSON object with a "data" array');
  });
});
