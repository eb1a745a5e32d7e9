// The `shadow` mode executor of the execute stage: the legacy answers (forwarded as usual, `X-Edge: shadow`);
// a sampled request also carries a capture so the shadow runner can compare the legacy's answer with the
// candidate's after the client has it. Admission never throws into the request.
import type { Outcome } from '../core/outcome.js';
import type { RequestContext } from '../core/request-context.js';
import type { ResponseCapture } from '../core/response-capture.js';

export interface ShadowAdmission {
  begin(ctx: RequestContext): ResponseCapture | undefined;
}

const PLAIN: Outcome = Object.freeze({ kind: 'forward', edge: 'shadow' });

export function createShadowExecutor(admission: ShadowAdmission): (ctx: RequestContext) => Promise<Outcome> {
  return async (ctx) => {
    let capture: ResponseCapture | undefined;
    try {
      capture = admission.begin(ctx);
    } catch (err) {
      ctx.log.error({ err }, 'shadow admission failed; forwarding without comparison');
    }
    return capture ? { kind: 'forward', edge: 'shadow', capture } : PLAIN;
  };
}
