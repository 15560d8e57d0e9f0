// register(api): what every plugin instance does. Hooks are registered in EVERY registration
// mode (agent-run hooks land on a "discovery" instance in a gateway) and all instances feed
// the one process-wide runtime.

import { readFileSync } from 'node:fs';
import type { OpenClawPluginApi } from 'openclaw/plugin-sdk/plugin-entry';
import { dynamoHooks, sharedDynamo } from './runtime/dynamo-wiring.ts';
import { registerHooks, type HookTable } from './ingest/register-hooks.ts';
import { SUBSCRIBED_HOOKS } from './ingest/hook-names.ts';
import { subscribeDiagnostics } from './ingest/diagnostics.ts';
import { sharedRuntime } from './runtime/global.ts';
import { OUTPUTS } from './outputs/registry.ts';
import { registerNemoRelayCli } from './cli/register-cli.ts';
import { registerAnnotateMethod } from './annotate/gateway-method.ts';
import type { Runtime } from './runtime/runtime.ts';
import { buildStatus, type StatusExtension } from './status/status.ts';

export const PLUGIN_ID = 'nemo-relay';
export const STATUS_METHOD = 'nemoRelay.status';

const PLUGIN_VERSION = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

/** The subset of the plugin API this plugin uses; keeps tests' stand-in hosts honest. */
export type PluginApi = Pick<OpenClawPluginApi, 'on' | 'registrationMode' | 'pluginConfig' | 'logger'> &
  Partial<Pick<OpenClawPluginApi, 'registerGatewayMethod' | 'registerProvider' | 'runtime' | 'config' | 'version'>>;

export function registerNemoRelay(api: PluginApi, extensions: Record<string, StatusExtension> = {}): Runtime {
  registerNemoRelayCli(api as Parameters<typeof registerNemoRelayCli>[0]);
  const runtime = sharedRuntime(() => ({
    rawConfig: api.pluginConfig,
    logger: loggerOf(api),
    pluginVersion: PLUGIN_VERSION,
    openclawVersion: openclawVersionOf(api),
    outputs: OUTPUTS,
  }));
  const mode = String(api.registrationMode ?? 'unknown');
  runtime.registrations[mode] = (runtime.registrations[mode] ?? 0) + 1;
  runtime.openclawVersion ??= openclawVersionOf(api);
  const access = conversationAccessOf(api);
  if (access !== undefined) runtime.conversationAccessConfigured = access;

  // Other plugins' LLM calls (api.runtime.llm) leave only a model.usage diagnostic event.
  const diagnostics = runtime.loaded.config.enabled ? subscribeDiagnostics((hook, event, ctx) => runtime.dispatch(hook, event, ctx)) : undefined;

  // The dynamo provider is the plugin's second capability: independent of the observability
  // config, so a broken or disabled observability config never takes the model provider away.
  const dynamo = sharedDynamo(api, runtime);
  registerHooks(api.on, [observabilityHooks(runtime), dynamoHooks(api, dynamo)]);

  const adaptive = runtime.enrich;
  const sections: Record<string, StatusExtension> = {
    ...(adaptive ? { adaptive: () => adaptive.plan() } : {}),
    dynamo: () => dynamo.status(),
    pluginLlmCalls: () => ({
      observed: runtime.engine.counters.pluginLlmCalls,
      withoutSession: runtime.engine.counters.pluginLlmCallsUnattributed,
      usageEventsOfObservedRuns: runtime.engine.counters.usageOfObservedRuns,
      diagnostics: diagnostics ? { ...diagnostics } : { state: 'disabled' },
      // Said out loud: what OpenClaw does not let a plugin see.
      notObservable:
        'calls through api.runtime.llm fire no hooks and send no traceparent: only usage and duration are known, and only while OpenClaw diagnostics are enabled (model.usage events)',
    }),
    ...extensions,
  };
  api.registerGatewayMethod?.(
    STATUS_METHOD,
    ({ respond }) => {
      respond(true, buildStatus(runtime, sections) as unknown as Record<string, unknown>);
    },
    { scope: 'operator.admin' },
  );
  registerAnnotateMethod(api, runtime);
  return runtime;
}

/** Every subscribed hook into the runtime's dispatch (parse once, feed the engine, return). */
function observabilityHooks(runtime: Runtime): HookTable {
  const table: Record<string, (event: unknown, ctx: unknown) => unknown> = {};
  for (const hook of SUBSCRIBED_HOOKS) {
    table[hook] =
      hook === 'gateway_stop'
        ? (event, ctx) => {
            runtime.dispatch(hook, event, ctx);
            // OpenClaw awaits gateway_stop handlers within its shutdown budget: flush, bounded.
            return runtime.stop('gateway_stop', 4000);
          }
        : (event, ctx) => {
            runtime.dispatch(hook, event, ctx);
          };
  }
  return table;
}

function loggerOf(api: PluginApi) {
  const l = api.logger;
  return {
    info: (m: string) => l?.info?.(m),
    warn: (m: string) => l?.warn?.(m),
    error: (m: string) => l?.error?.(m),
  };
}

function openclawVersionOf(api: PluginApi): string | undefined {
  const v = (api.runtime as { version?: unknown } | undefined)?.version;
  return typeof v === 'string' ? v : undefined;
}

function conversationAccessOf(api: PluginApi): boolean | undefined {
  const entry = (api.config as { plugins?: { entries?: Record<string, { hooks?: { allowConversationAccess?: unknown } }> } } | undefined)
    ?.plugins?.entries?.[PLUGIN_ID];
  const v = entry?.hooks?.allowConversationAccess;
  return typeof v === 'boolean' ? v : entry ? false : undefined;
}
