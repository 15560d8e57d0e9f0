// The `dynamo` provider's auth method, the one `openclaw onboard` and `openclaw models auth login`
// dispatch to (manifest providerAuthChoices: choiceId "dynamo" -> provider "dynamo", method "custom").
// A Dynamo frontend is a self-hosted OpenAI-compatible server, so this is OpenClaw's own
// self-hosted flow (the one its bundled vLLM and SGLang providers use): base URL, key, model id;
// interactive through the wizard prompter, non-interactive through
// `--custom-base-url --custom-api-key --custom-model-id`. The key lands in an auth profile
// (dynamo:default), the base URL and model in models.providers.dynamo, whose apiKey is the
// env var's name: an exported DYNAMO_API_KEY still wins over the stored key.

import type { ProviderAuthMethod, ProviderAuthResult, OpenClawConfig } from 'openclaw/plugin-sdk/plugin-entry';
import { DEFAULT_BASE_URL } from './env.ts';

export const DYNAMO_AUTH_METHOD_ID = 'custom';
export const DYNAMO_AUTH_CHOICE_ID = 'dynamo';
const LABEL = 'NVIDIA Dynamo';
const MODEL_PLACEHOLDER = 'Qwen/Qwen3-0.6B';

type AuthContext = Parameters<ProviderAuthMethod['run']>[0];
type NonInteractiveContext = Parameters<NonNullable<ProviderAuthMethod['runNonInteractive']>>[0];

/** The part of openclaw/plugin-sdk/provider-setup we call; that entry ships without type declarations. */
interface SelfHostedSetup {
  promptAndConfigureOpenAICompatibleSelfHostedProviderAuth(params: {
    cfg: OpenClawConfig;
    prompter: AuthContext['prompter'];
    providerId: string;
    providerLabel: string;
    defaultBaseUrl: string;
    defaultApiKeyEnvVar: string;
    modelPlaceholder: string;
  }): Promise<ProviderAuthResult>;
  configureOpenAICompatibleSelfHostedProviderNonInteractive(params: {
    ctx: NonInteractiveContext;
    providerId: string;
    providerLabel: string;
    defaultBaseUrl: string;
    defaultApiKeyEnvVar: string;
    modelPlaceholder: string;
  }): Promise<OpenClawConfig | null>;
}

// A variable specifier keeps tsc from looking for declarations the package does not ship; loaded
// only when a setup flow runs, never at gateway start.
const SETUP_MODULE: string = 'openclaw/plugin-sdk/provider-setup';
const loadSetup = async (): Promise<SelfHostedSetup> => (await import(SETUP_MODULE)) as SelfHostedSetup;

export function createDynamoAuthMethod(params: { providerId: string; apiKeyEnvVar: string }): ProviderAuthMethod {
  const common = {
    providerId: params.providerId,
    providerLabel: LABEL,
    defaultBaseUrl: DEFAULT_BASE_URL,
    defaultApiKeyEnvVar: params.apiKeyEnvVar,
    modelPlaceholder: MODEL_PLACEHOLDER,
  };
  return {
    id: DYNAMO_AUTH_METHOD_ID,
    label: LABEL,
    hint: 'Dynamo frontend (OpenAI-compatible): base URL, API key, model',
    kind: 'custom',
    run: async (ctx) =>
      (await loadSetup()).promptAndConfigureOpenAICompatibleSelfHostedProviderAuth({ cfg: ctx.config, prompter: ctx.prompter, ...common }),
    runNonInteractive: async (ctx) => (await loadSetup()).configureOpenAICompatibleSelfHostedProviderNonInteractive({ ctx, ...common }),
  };
}
