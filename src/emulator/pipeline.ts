// The legacy's middleware order (CONTRACT §1.3) as one explicit list of stages. Each stage returns the
// next state or a final Outcome; unhandled .NET exceptions become the 'unhandled' outcome in one place
// (DeveloperExceptionPage in Development, an empty 500 elsewhere). HTTPS redirection is not emulated
// (no HTTPS port → it logs and passes through).
import type { PasswordChecker } from '../adapters/auth/password-check.js';
import type { Principal } from '../core/principal.js';
import { authenticateBasic, type ManagementAccess } from './basic-authentication.js';
import { APOTHEKEN_ACTIONS } from './controllers/apotheken-controller.js';
import type { EmulatorServices, EndpointHandler } from './controllers/endpoint.js';
import { HEALTH_ACTIONS } from './controllers/health-controller.js';
import { PRESCRIPTIONS_V1_ACTIONS } from './controllers/prescriptions-v1-controller.js';
import { PRESCRIPTIONS_V2_ACTIONS } from './controllers/prescriptions-v2-controller.js';
import { swaggerOutcome } from './controllers/swagger.js';
import { TENANT_NOT_IMPLEMENTED } from './developer-exception-page.js';
import type { EmulatorRequest } from './emulator-request.js';
import { empty, LegacyUnhandledError, type Outcome } from './outcome.js';
import { selectEndpoint, type EndpointId, type RouteResult } from './router.js';

export interface PipelineDeps {
  readonly services: EmulatorServices;
  readonly management: ManagementAccess;
  readonly passwords: PasswordChecker;
}

interface State {
  readonly request: EmulatorRequest;
  readonly route?: RouteResult;
  readonly principal?: Principal | null;
}

type Stage = (state: State, deps: PipelineDeps) => Promise<State | { readonly done: Outcome }>;

const ACTIONS: Readonly<Record<EndpointId, EndpointHandler>> = {
  ...PRESCRIPTIONS_V2_ACTIONS,
  ...PRESCRIPTIONS_V1_ACTIONS,
  ...APOTHEKEN_ACTIONS,
  ...HEALTH_ACTIONS,
};

const CHALLENGE = empty(401, { 'WWW-Authenticate': 'Basic realm="ArzTi3 API", charset="UTF-8"' });

/** UseSwagger/UseSwaggerUI: Development only, before everything that follows. */
const swagger: Stage = async (state, deps) => {
  const answer = deps.services.settings.isDevelopment ? swaggerOutcome(state.request) : null;
  return answer ? { done: answer } : state;
};

/** UseRouting: endpoint selection incl. the HTTP-method (405) and API-versioning (400/404) policies. */
const routing: Stage = async (state) => {
  const { request } = state;
  const route: RouteResult =
    request.segments === null
      ? { kind: 'empty', status: 404 }
      : selectEndpoint(request.method, request.segments, request.headerValues('X-API-Version'));
  return { ...state, route };
};

/** UseAuthentication: the Basic handler runs for every request that gets here. */
const authentication: Stage = async (state, deps) => ({
  ...state,
  principal: await authenticateBasic(state.request.rawHeaders, deps.management, deps.passwords),
});

/** UseAuthorization: [Authorize] endpoints without a user get the challenge. */
const authorization: Stage = async (state) =>
  state.route?.kind === 'endpoint' && state.route.requiresAuth && !state.principal
    ? { done: CHALLENGE }
    : state;

/** TenantConnectionMiddleware: any non-empty X-Tenant-Id throws NotImplementedException (Q2). */
const tenantMiddleware: Stage = async (state) => {
  if (state.request.header('X-Tenant-Id')) throw new LegacyUnhandledError(TENANT_NOT_IMPLEMENTED);
  return state;
};

/** UseEndpoints: the selected action, or the status-only 404/405/400 endpoints. */
const endpoints: Stage = async (state, deps) => {
  const route = state.route as RouteResult;
  if (route.kind === 'empty') {
    return { done: empty(route.status, route.allow ? { Allow: route.allow } : undefined) };
  }
  const action = ACTIONS[route.id];
  const outcome = await action({
    request: state.request,
    routeValues: route.routeValues,
    principal: state.principal ?? null,
    services: deps.services,
  });
  return { done: outcome };
};

/** The request pipeline, in order. */
export const STAGES: readonly Stage[] = [
  swagger,
  routing,
  authentication,
  authorization,
  tenantMiddleware,
  endpoints,
];

export async function runPipeline(request: EmulatorRequest, deps: PipelineDeps): Promise<Outcome> {
  let state: State = { request };
  try {
    for (const stage of STAGES) {
      const next = await stage(state, deps);
      if ('done' in next) return next.done;
      state = next;
    }
    throw new Error('unreachable: the endpoint stage always answers');
  } catch (err) {
    if (err instanceof LegacyUnhandledError) return { kind: 'unhandled', error: err.legacy };
    deps.services.logger.error({ err }, 'emulator bug: unexpected exception');
    return {
      kind: 'unhandled',
      error: {
        type: 'System.Exception',
        message: err instanceof Error ? err.message : String(err),
        stackTrace: [],
      },
    };
  }
}
