// The nemoRelay.annotate gateway method. Scope `operator.write`: the least privilege OpenClaw
// offers a plugin method that writes (operator.sessions.write only stands in for
// operator.write on OpenClaw's own session methods; operator.admin would be more than needed).

import type { OpenClawPluginApi } from 'openclaw/plugin-sdk/plugin-entry';
import { annotate, type AnnotateHost } from './annotate.ts';

export const ANNOTATE_METHOD = 'nemoRelay.annotate';

export function registerAnnotateMethod(api: Partial<Pick<OpenClawPluginApi, 'registerGatewayMethod'>>, runtime: AnnotateHost): void {
  api.registerGatewayMethod?.(
    ANNOTATE_METHOD,
    ({ params, respond }) => {
      const result = annotate(runtime, params);
      if (result.ok) respond(true, result as unknown as Record<string, unknown>);
      else respond(false, { errors: result.errors }, { code: 'INVALID_REQUEST', message: result.errors.join('; ') });
    },
    { scope: 'operator.write' },
  );
}
