// Probes PostgreSQL and Redis once per run and hands the result to every test file via `inject`.
// Without CI a missing service turns its suites into reported skips; with CI=true the run fails.
import type { TestProject } from 'vitest/node';
import { probeServices, type ServiceStatus } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceStatus;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const services = await probeServices();
  const missing = Object.entries(services)
    .filter(([, up]) => !up)
    .map(([name]) => name);
  if (missing.length > 0) {
    const message = `test services not reachable: ${missing.join(', ')}`;
    if (process.env.CI === 'true') throw new Error(`${message} (CI=true: missing services are an error)`);
    console.warn(`\n[arzti-edge] ${message}: the suites that need them are skipped and listed at the end.\n`);
  }
  project.provide('services', services);
}
