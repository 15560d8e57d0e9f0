// The `dynamo` model provider for api.registerProvider: an OpenAI-compatible (chat completions)
// endpoint whose catalog comes from the frontend's /models and which accepts any model id.

import type { ProviderPlugin } from 'openclaw/plugin-sdk/plugin-entry';
import { createDynamoAuthMethod } from './auth-method.ts';
import { DEFAULT_API_KEY, normalizeHttpUrl, type DynamoEnv } from './env.ts';
import { fetchModelCatalog, type CatalogModel, type CatalogState } from './model-catalog.ts';
import type { StreamFn } from './request-wrapper.ts';
import type { DynamoLogger, FetchLike } from './types.ts';

export const DYNAMO_PROVIDER_ID = 'dynamo';
export const DYNAMO_API_KEY_ENV = 'DYNAMO_API_KEY';
/** Long enough for a loaded frontend on loopback, short enough not to stall OpenClaw's startup. */
export const CATALOG_TIMEOUT_MS = 3_000;

const DEFAULT_CONTEXT_WINDOW = 128_000;
const DEFAULT_MAX_TOKENS = 8_192;
const ZERO_COST = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

type CatalogContext = Parameters<NonNullable<ProviderPlugin['catalog']>['run']>[0];
type DynamicModelContext = Parameters<NonNullable<ProviderPlugin['resolveDynamicModel']>>[0];
type RuntimeModel = NonNullable<ReturnType<NonNullable<ProviderPlugin['resolveDynamicModel']>>>;
type ModelDefinition = {
  id: string;
  name: string;
  reasoning: boolean;
  input: Array<'text' | 'image'>;
  cost: typeof ZERO_COST;
  contextWindow: number;
  maxTokens: number;
};

export interface DynamoProviderDeps {
  env: DynamoEnv;
  catalog: CatalogState;
  /** Returns the wrapped stream, or undefined to leave OpenClaw's stream as it is. */
  wrapStream: (inner: StreamFn | undefined) => StreamFn | undefined;
  logger?: DynamoLogger;
  fetchImpl?: FetchLike;
  catalogTimeoutMs?: number;
}

export function createDynamoProvider(deps: DynamoProviderDeps): ProviderPlugin {
  const { env } = deps;
  const syntheticAuth = () => ({
    apiKey: env.apiKey,
    source: env.apiKeySource === 'default' ? `nemo-relay dynamo default key (${DEFAULT_API_KEY})` : DYNAMO_API_KEY_ENV,
    mode: 'api-key' as const,
  });
  return {
    id: DYNAMO_PROVIDER_ID,
    label: 'NVIDIA Dynamo',
    envVars: [DYNAMO_API_KEY_ENV],
    auth: [createDynamoAuthMethod({ providerId: DYNAMO_PROVIDER_ID, apiKeyEnvVar: DYNAMO_API_KEY_ENV })],

    catalog: {
      order: 'late',
      run: async (ctx: CatalogContext) => {
        const baseUrl = configuredBaseUrl(ctx.config) ?? env.baseUrl;
        // A key saved by `openclaw onboard` / `models auth` (an auth profile) or exported; else ours.
        const result = await fetchModelCatalog({
          baseUrl,
          apiKey: resolvedDiscoveryKey(ctx) ?? env.apiKey,
          timeoutMs: deps.catalogTimeoutMs ?? CATALOG_TIMEOUT_MS,
          ...(deps.fetchImpl !== undefined ? { fetchImpl: deps.fetchImpl } : {}),
        });
        deps.catalog.record(result);
        if (!result.ok) {
          deps.logger?.warn(`[dynamo] ${result.error}; dynamo/<model-id> still resolves, the catalog stays empty`);
          return null;
        }
        return {
          provider: {
            baseUrl,
            api: 'openai-completions',
            // Always the env var's name, never a value: catalog output is persisted (generated model
            // catalog), OpenClaw resolves the marker at request time, and with no key anywhere the
            // provider's synthetic auth supplies the default.
            apiKey: DYNAMO_API_KEY_ENV,
            models: result.models.map(definitionOf),
          },
        };
      },
    },

    resolveDynamicModel: (ctx: DynamicModelContext): RuntimeModel => {
      const configured = ctx.providerConfig?.baseUrl;
      const normalized = typeof configured === 'string' ? normalizeHttpUrl(configured) : undefined;
      const baseUrl = typeof normalized === 'string' ? normalized : env.baseUrl;
      const known = deps.catalog.find(ctx.modelId);
      return {
        ...definitionOf(known ?? { id: ctx.modelId }),
        api: 'openai-completions',
        provider: DYNAMO_PROVIDER_ID,
        baseUrl,
      };
    },

    // The default key when none is configured anywhere, without writing it into process.env (child
    // processes inherit no key). OpenClaw 2026.9.6 asks a plugin's synthetic auth last, after the
    // exported DYNAMO_API_KEY, auth profiles and config, and only on its "implicit" auth path: the
    // manifest's setup.requiresRuntime: false keeps dynamo out of the setup-provider fallback refs,
    // which otherwise plan a direct attempt with plugin synthetic auth switched off ("No API key
    // found"). prepareSyntheticAuth is the form captured for agent runs and worker threads.
    prepareSyntheticAuth: async () => syntheticAuth(),
    resolveSyntheticAuth: () => syntheticAuth(),

    buildMissingAuthMessage: () =>
      `Set ${DYNAMO_API_KEY_ENV} to the token your Dynamo frontend expects (a local frontend accepts any value, e.g. ${DEFAULT_API_KEY}).`,

    wrapStreamFn: (ctx) => deps.wrapStream(ctx.streamFn),
  };
}

function definitionOf(model: CatalogModel): ModelDefinition {
  return {
    id: model.id,
    name: model.id,
    reasoning: false,
    input: ['text'],
    cost: { ...ZERO_COST },
    contextWindow: model.contextWindow ?? DEFAULT_CONTEXT_WINDOW,
    maxTokens: Math.min(DEFAULT_MAX_TOKENS, model.contextWindow ?? DEFAULT_MAX_TOKENS),
  };
}

function resolvedDiscoveryKey(ctx: CatalogContext): string | undefined {
  try {
    const resolved = ctx.resolveProviderApiKey?.(DYNAMO_PROVIDER_ID);
    const key = resolved?.discoveryApiKey ?? resolved?.apiKey;
    return key !== undefined && key.trim() !== '' && !isAuthMarker(key) ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Placeholders OpenClaw hands a catalog hook instead of a key: the env var's name, and
 * "secretref-managed", which OpenClaw 2026.9.6 returns for a provider whose only credential is
 * its synthetic auth (models-config.providers.implicit resolveCatalogProviderApiKey). Sent as a
 * bearer token they would be rejected by a frontend that checks keys; the default is right.
 */
function isAuthMarker(key: string): boolean {
  return key === DYNAMO_API_KEY_ENV || key.startsWith('secretref-') || key.startsWith('oauth:');
}

function configuredBaseUrl(config: unknown): string | undefined {
  const providers = (config as { models?: { providers?: Record<string, { baseUrl?: unknown }> } } | undefined)?.models?.providers;
  const raw = providers?.[DYNAMO_PROVIDER_ID]?.baseUrl;
  if (typeof raw !== 'string') return undefined;
  const normalized = normalizeHttpUrl(raw);
  return typeof normalized === 'string' ? normalized : undefined;
}
