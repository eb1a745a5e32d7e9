// PrescriptionsV2Controller (CONTRACT §2.4–§2.7): the two list GETs, the read-only PATCH statusuuid
// and the bulk PATCH status, with the legacy's order of checks and its plain-string errors.
import { formatUtcTicks } from '../../core/stj-datetime.js';
import type { StjObject, StjValue } from '../../core/stj-json.js';
import { ModelState } from '../model-state.js';
import { ok, text, type Outcome } from '../outcome.js';
import { bindInt, bindString } from '../query-binding.js';
import { ALL_TABLES } from '../repositories/prescription-tables.js';
import { bulkUpdateV2, type StatusUpdate } from '../repositories/v2-bulk-update.js';
import { countNew, readV2Page, selectV2Tables } from '../repositories/v2-list-repository.js';
import { BULK_STATUS_REQUEST, BULK_UPDATE_REQUEST } from '../request-schemas.js';
import {
  bindRequestBody,
  invalidModel,
  principalOf,
  type EndpointCall,
  type EndpointHandler,
} from './endpoint.js';

const NO_CONNECTION = 'Client connection string not found';

/** GET v2/rezept and GET v2/rezept/status (pharmacyId is bound, then ignored: Q4). */
function listAction(withPharmacyId: boolean, failureText: string): EndpointHandler {
  return async (call) => {
    const { query } = call.request;
    const modelState = new ModelState();
    if (withPharmacyId) bindString(query, 'pharmacyId');
    const type = bindString(query, 'type');
    const page = bindInt(query, 'page', 1, modelState);
    let pageSize = bindInt(query, 'pageSize', 100, modelState);
    const invalid = invalidModel(modelState, call);
    if (invalid) return invalid;
    const { settings, tenants, utcNow, logger } = call.services;
    try {
      const connectionString = principalOf(call).tenant.connectionString;
      if (connectionString === '') return text(400, NO_CONNECTION);
      if (pageSize > settings.maxPageSize) pageSize = settings.maxPageSize; // silent cap (Q13)
      const selected = selectV2Tables(type);
      // With no type selected no SQL runs (and no connection is opened), whatever the paging (Q14).
      const db = selected.length > 0 ? tenants.get(connectionString) : null;
      const items = db ? await readV2Page(db, selected, page, pageSize, utcNow) : [];
      const totalCount = db ? await countNew(db, selected) : 0;
      return ok({
        prescriptions: items.map((i) => i.dto),
        totalCount,
        page,
        pageSize,
        hasNextPage: Math.imul(page, pageSize) < totalCount,
        environment: settings.environmentValue,
        responseTimestamp: formatUtcTicks(utcNow()),
      });
    } catch (err) {
      logger.error({ err }, failureText);
      return text(500, failureText);
    }
  };
}

/** PATCH v2/rezept/statusuuid: the 1000 newest new prescriptions per type, filtered in memory (§6.3). */
async function statusUuid(call: EndpointCall): Promise<Outcome> {
  const bound = bindRequestBody(call, BULK_STATUS_REQUEST);
  if ('outcome' in bound) return bound.outcome;
  const uuids = bound.model.RezeptUuids as Array<string | null>;
  const { settings, tenants, utcNow, logger } = call.services;
  try {
    if (uuids.length === 0) return text(400, 'RezeptUuids list cannot be empty');
    const connectionString = principalOf(call).tenant.connectionString;
    if (connectionString === '') return text(400, NO_CONNECTION);
    if (uuids.length > settings.maxBulkSize)
      return text(400, `Bulk operation limited to ${settings.maxBulkSize} items`);
    const scanned = await readV2Page(tenants.get(connectionString), ALL_TABLES, 1, 1000, utcNow);
    const found = scanned
      .map((i) => i.dto)
      .filter(
        (dto) =>
          typeof dto.rezeptUuid === 'string' && dto.rezeptUuid !== '' && uuids.includes(dto.rezeptUuid),
      );
    const foundUuids = new Set(found.map((dto) => dto.rezeptUuid as string | null));
    // Enumerable.Except: distinct request values, first-occurrence order, not among the found ones.
    const notFound = [...new Set(uuids)].filter((u) => !foundUuids.has(u));
    return ok({
      prescriptions: found.map((dto): StjObject => ({
        rezeptUuid: dto.rezeptUuid ?? '',
        type: dto.type as StjValue,
        transferArz: dto.transferArz as StjValue,
        status: dto.checkLevel as StjValue,
        regelTrefferCode: dto.regelTrefferCode as StjValue,
        checkLevel: dto.checkLevel as StjValue,
        errorMessages: [],
        lastUpdated: dto.statusAbfrageDatum as StjValue,
      })),
      totalCount: uuids.length,
      successCount: found.length,
      errorCount: uuids.length - found.length,
      globalErrors: notFound.map((u) => `Prescription not found: ${u ?? ''}`),
      responseTimestamp: formatUtcTicks(utcNow()),
    });
  } catch (err) {
    logger.error({ err }, 'bulk status retrieval failed');
    return text(500, 'Internal server error occurred during bulk status retrieval');
  }
}

/** PATCH v2/rezept/status: the write of §6.4; per-item and commit failures are reported inside a 200. */
async function bulkUpdate(call: EndpointCall): Promise<Outcome> {
  const bound = bindRequestBody(call, BULK_UPDATE_REQUEST);
  if ('outcome' in bound) return bound.outcome;
  const updates = bound.model.Updates as Array<Record<string, unknown> | null>;
  const { settings, tenants, utcNow, localClock, logger } = call.services;
  try {
    if (updates.length === 0) return text(400, 'Updates list cannot be empty');
    const connectionString = principalOf(call).tenant.connectionString;
    if (connectionString === '') return text(400, NO_CONNECTION);
    if (updates.length > settings.maxBulkSize)
      return text(400, `Bulk operation limited to ${settings.maxBulkSize} items`);
    const db = tenants.get(connectionString);
    const mapped = updates.map((u): StatusUpdate => {
      // A JSON null element passes validation; reading its members throws NullReferenceException.
      if (u === null) throw new Error('Object reference not set to an instance of an object.');
      return {
        rezeptUuid: u.RezeptUuid as string,
        type: u.Type as string,
        transferArz: u.TransferArz as boolean | null,
        status: u.Status as string | null,
      };
    });
    const result = await bulkUpdateV2(db, mapped, () => localClock.today());
    return ok({
      success: result.overallSuccess,
      processedCount: updates.length,
      successCount: result.successCount,
      errorCount: result.errorCount,
      errors: [...result.errors],
      responseTimestamp: formatUtcTicks(utcNow()),
    });
  } catch (err) {
    logger.error({ err }, 'bulk status update failed');
    return text(500, 'Internal server error occurred during bulk status update');
  }
}

export const PRESCRIPTIONS_V2_ACTIONS = {
  'v2.list': listAction(false, 'Internal server error occurred while retrieving prescriptions'),
  'v2.status': listAction(true, 'Internal server error occurred while retrieving pharmacy prescriptions'),
  'v2.statusuuid': statusUuid,
  'v2.bulkUpdate': bulkUpdate,
} as const satisfies Record<string, EndpointHandler>;
