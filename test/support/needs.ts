// Declares which services a suite needs. A suite whose service is down is skipped with a named
// reason that the summary reporter lists, so nothing is skipped silently.
import { describe, inject } from 'vitest';

type Service = 'postgres' | 'redis';

export function describeWith(services: Service[], name: string, body: () => void): void {
  const status = inject('services');
  const missing = services.filter((s) => !status[s]);
  if (missing.length === 0) {
    describe(name, body);
  } else {
    describe.skip(`${name} [needs ${missing.join(', ')}: not reachable]`, body);
  }
}
