// PrescriptionsController, API version 1.0, deprecated (CONTRACT §2.8, §2.9): GET new with in-memory
// paging, and the two UUID-based writes that always report success (Q19).
import type { Principal } from '../../core/principal.js';
import { ModelState } from '../model-state.js';
import { ok, text, type Outcome } from '../outcome.js';
import { bindInt, bindString } from '../query-binding.js';
import { countNew } from '../repositories/v2-list-repository.js';
import {
  markAsRead,
  readV1Page,
  selectV1Tables,
  setAbgerechnet,
  type PrescriptionIdentifier,
} from '../repositories/v1-repository.js';
import { BULK_OPERATION_REQUEST } from '../request-schemas.js';
import {
  bindRequestBody,
  invalidModel,
  principalOf,
  type EndpointCall,
  type EndpointHandler,
} from './endpoint.js';

/** `Unauthorized("…")`: a 401 with a text body and no WWW-Authenticate (practically unreachable). */
function incompleteClaims(p: Principal): Outcome | null {
  return p.tenant.connectionString === '' || p.clientCode === ''
    ? text(401, 'Authentication information is incomplete')
    : null;
}

async function getNew(call: EndpointCall): Promise<Outcome> {
  const { query } = call.request;
  const modelState = new ModelState();
  const page = bindInt(query, 'page', 1, modelState);
  const pageSize = bindInt(query, 'pageSize', 100, modelState);
  const rezeptType = bindString(query, 'rezeptType');
  const invalid = invalidModel(modelState, call);
  if (invalid) return invalid;
  const { tenants, logger } = call.services;
  try {
    const principal = principalOf(call);
    const incomplete = incompleteClaims(principal);
    if (incomplete) return incomplete;
    const selected = selectV1Tables(rezeptType);
    const db = selected.length > 0 ? tenants.get(principal.tenant.connectionString) : null;
    const prescriptions = db ? await readV1Page(db, selected, page, pageSize) : [];
    const totalCount = db ? await countNew(db, selected) : 0;
    return ok({
      prescriptions,
      totalCount,
      page,
      pageSize,
      hasNextPage: Math.imul(page, pageSize) < totalCount,
    });
  } catch (err) {
    logger.error({ err }, 'v1 list failed');
    return text(500, 'Internal server error');
  }
}

type Write = typeof markAsRead;

function writeAction(write: Write): EndpointHandler {
  return async (call) => {
    const bound = bindRequestBody(call, BULK_OPERATION_REQUEST);
    if ('outcome' in bound) return bound.outcome;
    const items = bound.model.Prescriptions as Array<Record<string, unknown> | null>;
    const { tenants, localClock, logger } = call.services;
    try {
      const principal = principalOf(call);
      const incomplete = incompleteClaims(principal);
      if (incomplete) return incomplete;
      const identifiers = items.map((p): PrescriptionIdentifier => {
        if (p === null) throw new Error('Object reference not set to an instance of an object.');
        return { type: p.Type as string, rezeptUuid: p.RezeptUuid as string };
      });
      await write(
        () => tenants.get(principal.tenant.connectionString),
        identifiers,
        () => localClock.today(),
      );
      return ok({ success: true, processedCount: items.length, errors: [] });
    } catch (err) {
      logger.error({ err }, 'v1 write failed');
      // StatusCode(500, new BulkOperationResponse {…}): an object, so always JSON.
      return {
        kind: 'object',
        status: 500,
        body: { success: false, processedCount: 0, errors: ['Internal server error'] },
      };
    }
  };
}

export const PRESCRIPTIONS_V1_ACTIONS = {
  'v1.new': getNew,
  'v1.markAsRead': writeAction(markAsRead),
  'v1.setAbgerechnet': writeAction(setAbgerechnet),
} as const satisfies Record<string, EndpointHandler>;
