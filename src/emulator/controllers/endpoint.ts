// What every controller action receives, and the [ApiController] filters shared by all of them:
// 415 for bodies the JSON input formatter cannot read, automatic 400 ValidationProblemDetails.
import type { Principal } from '../../core/principal.js';
import type { ApothekenTenantResolver } from '../apotheken-tenant-resolver.js';
import { bindBody } from '../body-binding.js';
import type { LegacySettings } from '../emulator-config.js';
import type { EmulatorRequest } from '../emulator-request.js';
import type { JsonModel, ObjectSchema } from '../json-binder.js';
import type { LocalClock } from '../local-clock.js';
import { ModelState } from '../model-state.js';
import type { Outcome } from '../outcome.js';
import { unsupportedMediaTypeProblem, validationProblem } from '../problem-details.js';
import type { TenantRegistry } from '../tenant-registry.js';

export interface EmulatorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EmulatorServices {
  readonly settings: LegacySettings;
  readonly tenants: TenantRegistry;
  readonly apothekenTenants: ApothekenTenantResolver;
  /** DateTime.UtcNow as 100-ns ticks since the Unix epoch. */
  readonly utcNow: () => bigint;
  /** DateTime.Now / DateTime.Today of the legacy host. */
  readonly localClock: LocalClock;
  readonly logger: EmulatorLogger;
}

export interface EndpointCall {
  readonly request: EmulatorRequest;
  readonly routeValues: Readonly<Record<string, string>>;
  /** The authenticated user; null on anonymous endpoints when authentication failed. */
  readonly principal: Principal | null;
  readonly services: EmulatorServices;
}

export type EndpointHandler = (call: EndpointCall) => Promise<Outcome>;

/** ModelStateInvalidFilter: 400 ValidationProblemDetails when binding recorded errors. */
export function invalidModel(modelState: ModelState, call: EndpointCall): Outcome | null {
  return modelState.isValid
    ? null
    : { kind: 'problem', status: 400, body: validationProblem(modelState, call.request.traceId) };
}

export type BoundBody = { readonly [member: string]: JsonModel };

/** Binds the [FromBody] `request` parameter, or the Outcome that ends the request before the action. */
export function bindRequestBody(
  call: EndpointCall,
  schema: ObjectSchema,
  modelState: ModelState = new ModelState(),
): { readonly model: BoundBody } | { readonly outcome: Outcome } {
  const result = bindBody(call.request.body, schema, modelState);
  if (result.kind === 'unsupportedMediaType') {
    // UnsupportedContentTypeFilter runs before ModelStateInvalidFilter.
    return {
      outcome: { kind: 'problem', status: 415, body: unsupportedMediaTypeProblem(call.request.traceId) },
    };
  }
  const invalid = invalidModel(modelState, call);
  if (invalid || result.kind === 'invalid') return { outcome: invalid as Outcome };
  return { model: result.model };
}

/** The principal of an [Authorize] action (the pipeline guarantees one). */
export function principalOf(call: EndpointCall): Principal {
  if (!call.principal) throw new Error('unreachable: [Authorize] action without a principal');
  return call.principal;
}
