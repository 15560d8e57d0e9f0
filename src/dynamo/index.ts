// The Dynamo part of the plugin, assembled once per process. The entry point owns that "once"
// (a globalThis-held runtime, because OpenClaw calls register() on fresh module copies); here
// createDynamo builds the pieces and registerDynamo hands the provider to each api instance.

import type { OpenClawPluginApi, ProviderPlugin } from 'openclaw/plugin-sdk/plugin-entry';
import { resolveCaller, type DynamoIdentityView } from './caller.ts';
import { readDynamoEnv, type DynamoChildProcess, type EnvMap, type EnvProblem } from './env.ts';
import { CatalogState, fetchModelCatalog, type CatalogStatus } from './model-catalog.ts';
import { CATALOG_TIMEOUT_MS, createDynamoProvider } from './provider.ts';
import { emptyRequestCounters, wrapDynamoStream, type RequestCounters } from './request-wrapper.ts';
import { SessionControlTable, type SessionControlStatus } from './session-control.ts';
import { ToolRecordBuilder, type ToolRecordCounters } from './tool-record.ts';
import { ToolEventRelay, type PushSocketFactory, type ToolRelayStatus } from './tool-relay.ts';
import type { DynamoLogger, FetchLike } from './types.ts';
import type { ToolHookEvent } from '../ingest/events.ts';

export type { DynamoIdentityView } from './caller.ts';

export interface CreateDynamoParams {
  /** Only its logger is used, when no logger is given. */
  api?: Pick<OpenClawPluginApi, 'logger'>;
  identity: DynamoIdentityView;
  /**
   * Receives the final body of every dynamo/* request (keyed by OpenClaw's callId), as the
   * provider sent it: the trace records the call's input from it (exact). Never throws back.
   */
  onRequestBody?: (callId: string, body: unknown) => void;
  logger?: DynamoLogger;
  env?: EnvMap;
  /** Test seams. */
  fetchImpl?: FetchLike;
  createSocket?: PushSocketFactory;
  now?: () => number;
  maxSessions?: number;
}

export type SessionRef = string | { sessionKey?: string; sessionId?: string };

export interface DynamoStatus {
  provider: {
    id: string;
    baseUrl: string;
    baseUrlSource: string;
    apiKeySource: string;
    /**
     * How the default key reaches OpenClaw when DYNAMO_API_KEY is unset: the provider's synthetic
     * auth (never process.env). 'unused' when the user set a key.
     */
    defaultKey: 'synthetic-auth' | 'unused';
    catalog: CatalogStatus;
  };
  agentTrace: { enabled: boolean; sessionTypeId: string; requests: RequestCounters };
  sessionControl: ({ enabled: true } & SessionControlStatus) | { enabled: false; reason: string };
  toolRelay:
    | ({ enabled: true; records: ToolRecordCounters & { pendingStarts: number } } & ToolRelayStatus)
    | { enabled: false; reason: string };
  childProcess?: DynamoChildProcess;
  envProblems: EnvProblem[];
}

export interface Dynamo {
  provider: ProviderPlugin;
  /** before_tool_call, parsed (src/ingest): enqueues a tool_start record; never waits. */
  onToolStart(event: ToolHookEvent): void;
  /** after_tool_call, parsed (src/ingest): enqueues a tool_end / tool_error record; never waits. */
  onToolEnd(event: ToolHookEvent): void;
  /** agent_end / subagent_ended / session_end: closes the ended subagent's KV session, if pinned. */
  onSessionEnded(ref: SessionRef): Promise<void>;
  /** gateway_stop: closes every pinned session (bounded wait). */
  onGatewayStop(): Promise<void>;
  /**
   * Probes GET {base}/models from this thread and records the outcome for status. OpenClaw runs
   * catalog.run in a worker thread (gateway), whose runtime is not the one status() reads, so
   * call this from gateway_start or before answering a status request. Never throws.
   */
  refreshCatalog(): Promise<CatalogStatus>;
  status(): DynamoStatus;
  /** Closes sessions, flushes the relay (bounded), releases the socket. Idempotent. */
  shutdown(): Promise<void>;
}

export function createDynamo(params: CreateDynamoParams): Dynamo {
  const logger = params.logger ?? params.api?.logger;
  const { config: env, problems } = readDynamoEnv(params.env ?? process.env);
  for (const problem of problems) logger?.warn(`[dynamo] ${problem.variable}: ${problem.message}`);

  const now = params.now ?? (() => Date.now());
  const catalog = new CatalogState(`${env.baseUrl}/models`, now);
  const counters = emptyRequestCounters();

  const sessions =
    env.trace && env.sessionControl
      ? new SessionControlTable({
          timeoutSeconds: env.sessionTimeoutSeconds,
          baseUrl: env.baseUrl,
          apiKey: env.apiKey,
          now,
          ...(params.maxSessions !== undefined ? { maxSessions: params.maxSessions } : {}),
          ...(params.fetchImpl !== undefined ? { fetchImpl: params.fetchImpl } : {}),
          ...(logger !== undefined ? { logger } : {}),
        })
      : undefined;

  const relay =
    env.trace && env.toolEvents !== undefined
      ? new ToolEventRelay({
          endpoint: env.toolEvents.endpoint,
          topic: env.toolEvents.topic,
          now,
          ...(params.createSocket !== undefined ? { createSocket: params.createSocket } : {}),
          ...(logger !== undefined ? { logger } : {}),
        })
      : undefined;
  // The socket opens at the first tool event, not here: OpenClaw also runs register() inside a
  // worker thread (the gateway's model-catalog worker), and a ZeroMQ socket left open in a
  // thread that is torn down crashed the gateway at exit (SIGSEGV) in our runs.
  const records = relay !== undefined ? new ToolRecordBuilder({ env, identity: params.identity }) : undefined;

  const provider = createDynamoProvider({
    env,
    catalog,
    wrapStream: (inner) =>
      env.trace || params.onRequestBody !== undefined
        ? wrapDynamoStream(inner, {
            env,
            identity: params.identity,
            counters,
            ...(sessions !== undefined ? { sessions } : {}),
            ...(params.onRequestBody !== undefined ? { onRequestBody: params.onRequestBody } : {}),
          })
        : undefined,
    ...(logger !== undefined ? { logger } : {}),
    ...(params.fetchImpl !== undefined ? { fetchImpl: params.fetchImpl } : {}),
  });

  let shutdownPromise: Promise<void> | undefined;

  return {
    provider,

    onToolStart(event) {
      if (relay === undefined || records === undefined) return;
      try {
        const record = records.start(event);
        if (record !== undefined) relay.enqueue(record);
      } catch (error) {
        logger?.warn(`[dynamo] tool_start record skipped: ${String(error)}`);
      }
    },

    onToolEnd(event) {
      if (relay === undefined || records === undefined) return;
      try {
        const record = records.end(event);
        if (record !== undefined) relay.enqueue(record);
      } catch (error) {
        logger?.warn(`[dynamo] tool_end record skipped: ${String(error)}`);
      }
    },

    async onSessionEnded(ref) {
      if (sessions === undefined) return;
      const query = typeof ref === 'string' ? { sessionKey: ref } : ref;
      const caller = resolveCaller(env, params.identity, query);
      await sessions.end({
        ...(query.sessionKey !== undefined ? { sessionKey: query.sessionKey } : {}),
        ...(caller?.isSubagent === true ? { trajectoryId: caller.trajectoryId } : {}),
      });
    },

    async onGatewayStop() {
      await sessions?.closeAll();
    },

    async refreshCatalog() {
      const result = await fetchModelCatalog({
        baseUrl: env.baseUrl,
        apiKey: env.apiKey,
        timeoutMs: CATALOG_TIMEOUT_MS,
        ...(params.fetchImpl !== undefined ? { fetchImpl: params.fetchImpl } : {}),
      });
      catalog.record(result);
      return catalog.status();
    },

    status() {
      const status: DynamoStatus = {
        provider: {
          id: provider.id,
          baseUrl: env.baseUrl,
          baseUrlSource: env.baseUrlSource,
          apiKeySource: env.apiKeySource,
          defaultKey: env.apiKeySource === 'default' ? 'synthetic-auth' : 'unused',
          catalog: catalog.status(),
        },
        agentTrace: { enabled: env.trace, sessionTypeId: env.sessionTypeId, requests: { ...counters } },
        sessionControl:
          sessions !== undefined
            ? { enabled: true, ...sessions.status() }
            : { enabled: false, reason: env.trace ? 'DYN_AGENT_SESSION_CONTROL is off' : 'DYN_AGENT_TRACE is off' },
        toolRelay:
          relay !== undefined && records !== undefined
            ? { enabled: true, records: { ...records.counters, pendingStarts: records.pending() }, ...relay.status() }
            : {
                enabled: false,
                reason: !env.trace
                  ? 'DYN_AGENT_TRACE is off'
                  : 'DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT is unset or invalid',
              },
        envProblems: [...problems],
      };
      if (env.child !== undefined) status.childProcess = { ...env.child };
      return status;
    },

    shutdown() {
      shutdownPromise ??= (async () => {
        await Promise.allSettled([sessions?.shutdown(), relay?.shutdown()]);
      })();
      return shutdownPromise;
    },
  };
}

/** Safe to call from every register() pass: each api instance gets the same provider object. */
export function registerDynamo(api: Pick<OpenClawPluginApi, 'registerProvider'>, dynamo: Pick<Dynamo, 'provider'>): void {
  api.registerProvider(dynamo.provider);
}
