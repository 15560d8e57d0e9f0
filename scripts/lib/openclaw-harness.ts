// The OpenClaw end-to-end harness, split by concern under ./openclaw/. This file only
// re-exports it, so the e2e tests, scripts/demo.ts, bench/ and record-fixtures keep one
// import path.

export { OpenClawHarness } from './openclaw/harness.ts';
export { PLUGIN_DIR, PROBE_TOOLS_PLUGIN_DIR, RECORDER_PLUGIN_DIR, REPO_ROOT } from './openclaw/paths.ts';
export { DEFAULT_MODEL_COST, type HarnessOptions, type ModelCost, type PluginSpec } from './openclaw/config.ts';
export { stagePluginPackage } from './openclaw/staging.ts';
export { deepMerge, fileSize, freePort, parseJsonOutput, readJsonl, tailOfFile, waitFor } from './openclaw/helpers.ts';
export {
  isSupportedNode,
  resolveNodeBinary,
  resolveOpenClawEntry,
  type CliResult,
  type RunOptions,
  type StopResult,
} from './openclaw/process.ts';
export {
  agentReplyText,
  agentRunResult,
  type AgentReply,
  type AgentRunResult,
  type AgentTurnOptions,
  type ChatCompletionOptions,
  type ChatCompletionResult,
  type GatewayCallOptions,
  type ScopedCallResult,
} from './openclaw/cli.ts';
