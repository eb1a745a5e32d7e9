// Soak test: a steady moderate rate of the realistic mix for hours, to expose leaks (watch the
// proxy's RSS and open sockets on /metrics) and slow drifts in latency.
import { check } from 'k6';
import type { Options } from 'k6/options';
import { realisticMix } from './common.ts';

export const options: Options = {
  scenarios: {
    soak: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.EDGE_SOAK_RPS || 100),
      timeUnit: '1s',
      duration: __ENV.EDGE_SOAK_DURATION || '2h',
      preAllocatedVUs: 50,
      maxVUs: 200,
    },
  },
  thresholds: { http_req_failed: ['rate<0.001'], http_req_duration: ['p(99)<500'] },
};

export default function (): void {
  const res = realisticMix(__VU, __ITER, Math.random());
  check(res, { '2xx': (r) => r.status >= 200 && r.status < 300 });
}
