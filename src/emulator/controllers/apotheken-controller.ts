// ApothekenController (CONTRACT §2.10, Q23, Q24): tenant DB from the cached login-name resolver,
// not from the claim; plain-string 400/404/409/500 texts; 201 with an absolute Location.
import type { SqlDatabase } from '../../core/sql-port.js';
import { toPgTime } from '../local-clock.js';
import { ModelState } from '../model-state.js';
import { ok, text, type Outcome } from '../outcome.js';
import { bindInt, bindString } from '../query-binding.js';
import {
  apothekeIkExists,
  apothekeValuesFromRequest,
  countApotheken,
  deleteApotheke,
  findApotheke,
  insertApotheke,
  listApotheken,
  toApothekeDto,
  updateApotheke,
} from '../repositories/apotheke-repository.js';
import { parseDotNetInteger } from '../router.js';
import { CREATE_APOTHEKE_REQUEST, UPDATE_APOTHEKE_REQUEST } from '../request-schemas.js';
import {
  bindRequestBody,
  invalidModel,
  principalOf,
  type EndpointCall,
  type EndpointHandler,
} from './endpoint.js';

const NO_TENANT = text(400, 'Tenant connection string not found or user claim missing');
const INTERNAL = text(500, 'Internal server error');

/** Runs an action body with the resolver's tenant DB; any exception is the controller's 500 text. */
async function withTenant(
  call: EndpointCall,
  action: (db: SqlDatabase) => Promise<Outcome>,
): Promise<Outcome> {
  const { apothekenTenants, tenants, logger } = call.services;
  try {
    const connectionString = await apothekenTenants.resolve(principalOf(call).loginName);
    if (connectionString === null) return NO_TENANT;
    return await action(tenants.get(connectionString));
  } catch (err) {
    logger.error({ err }, 'apotheken action failed');
    return INTERNAL;
  }
}

/** DateTime.Now for aen_datum/aen_zeit: the DTO keeps 100 ns, the column microseconds. */
function aenNow(call: EndpointCall) {
  const now = call.services.localClock.now();
  return { date: now.date, time: now.time, pgTime: toPgTime(now.time) };
}

async function list(call: EndpointCall): Promise<Outcome> {
  const { query } = call.request;
  const modelState = new ModelState();
  const page = bindInt(query, 'page', 1, modelState);
  const pageSize = bindInt(query, 'pageSize', 100, modelState);
  const search = bindString(query, 'search');
  const invalid = invalidModel(modelState, call);
  if (invalid) return invalid;
  return withTenant(call, async (db) => {
    // searchTerm.ToLower() with the server culture; matched with strpos against lower(column).
    const term = search === null ? null : search.toLowerCase();
    const rows = await listApotheken(db, page, pageSize, term);
    const totalCount = await countApotheken(db, term);
    return ok({
      apotheken: rows.map(toApothekeDto),
      totalCount,
      page,
      pageSize,
      hasNextPage: Math.imul(page, pageSize) < totalCount,
    });
  });
}

/** Route values already passed the {id:int} / {ikNr:long} constraints. */
const routeNumber = (call: EndpointCall, name: string, bits: 32 | 64): bigint =>
  parseDotNetInteger(call.routeValues[name] ?? '', bits) as bigint;
const routeInt = (call: EndpointCall, name: string): number => Number(routeNumber(call, name, 32));

async function getById(call: EndpointCall): Promise<Outcome> {
  const id = routeInt(call, 'id');
  return withTenant(call, async (db) => {
    const row = await findApotheke(db, 'id', id);
    return row ? ok(toApothekeDto(row)) : text(404, `Apotheke with ID ${id} not found`);
  });
}

async function getByIk(call: EndpointCall): Promise<Outcome> {
  const ik = routeNumber(call, 'ikNr', 64);
  return withTenant(call, async (db) => {
    const row = await findApotheke(db, 'ik', ik);
    return row ? ok(toApothekeDto(row)) : text(404, `Apotheke with IK-Nr ${ik} not found`);
  });
}

async function create(call: EndpointCall): Promise<Outcome> {
  const bound = bindRequestBody(call, CREATE_APOTHEKE_REQUEST);
  if ('outcome' in bound) return bound.outcome;
  const values = apothekeValuesFromRequest(bound.model);
  const ik = values.apo_ik_nr as bigint;
  return withTenant(call, async (db) => {
    if (await apothekeIkExists(db, ik)) return text(409, `Apotheke with IK-Nr ${ik} already exists`);
    const row = await insertApotheke(db, values, aenNow(call));
    // CreatedAtAction(GetApothekeById): absolute URL from the request's scheme, Host and PathBase.
    const location = `http://${call.request.host}${call.services.settings.pathBase}/api/Apotheken/${String(row.id_apotheke)}`;
    return { kind: 'object', status: 201, body: toApothekeDto(row), headers: { Location: location } };
  });
}

async function update(call: EndpointCall): Promise<Outcome> {
  const id = routeInt(call, 'id');
  const bound = bindRequestBody(call, UPDATE_APOTHEKE_REQUEST);
  if ('outcome' in bound) return bound.outcome;
  const values = apothekeValuesFromRequest(bound.model);
  const ik = values.apo_ik_nr as bigint;
  return withTenant(call, async (db) => {
    const existing = await findApotheke(db, 'id', id);
    if (!existing) return text(404, `Apotheke with ID ${id} not found`);
    if (await apothekeIkExists(db, ik, id))
      return text(409, `Another apotheke with IK-Nr ${ik} already exists`);
    return ok(toApothekeDto(await updateApotheke(db, existing, values, aenNow(call))));
  });
}

async function remove(call: EndpointCall): Promise<Outcome> {
  const id = routeInt(call, 'id');
  return withTenant(call, async (db) => {
    if (!(await findApotheke(db, 'id', id))) return text(404, `Apotheke with ID ${id} not found`);
    await deleteApotheke(db, id);
    return { kind: 'noContent' };
  });
}

export const APOTHEKEN_ACTIONS = {
  'apotheken.list': list,
  'apotheken.get': getById,
  'apotheken.byIk': getByIk,
  'apotheken.create': create,
  'apotheken.update': update,
  'apotheken.delete': remove,
} as const satisfies Record<string, EndpointHandler>;
