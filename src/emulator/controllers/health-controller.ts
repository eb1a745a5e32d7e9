// HealthController.CheckArzSw (anonymous, static {"status":"ok"}, no check performed) and the three
// MapHealthChecks endpoints, which always fail activating SystemResourceHealthCheck (CONTRACT §2.11, Q3).
import { HEALTH_CHECK_ACTIVATION } from '../developer-exception-page.js';
import { LegacyUnhandledError, ok } from '../outcome.js';
import type { EndpointHandler } from './endpoint.js';

export const HEALTH_ACTIONS = {
  'health.arzsw': () => Promise.resolve(ok({ status: 'ok' })),
  'health.checks': () => Promise.reject(new LegacyUnhandledError(HEALTH_CHECK_ACTIVATION)),
} as const satisfies Record<string, EndpointHandler>;
