// Load test: ramping arrival rate of the realistic mix (90% V2 reads, most of them repeats;
// 5% statusuuid; 5% writes). Thresholds make k6 exit non-zero when the proxy misses its targets.
import { check } from 'k6';
import type { Options } from 'k6/options';
import { realisticMix } from './common.ts';

const peakRate = Number(__ENV.EDGE_PEAK_RPS || 500);

export const options: Options = {
  scenarios: {
    mix: {
      executor: 'ramping-arrival-rate',
      startRate: Math.max(1, Math.round(peakRate / 10)),
      timeUnit: '1s',
      preAllocatedVUs: 50,
      maxVUs: 400,
      stages: [
        { target: peakRate, duration: '1m' },
        { target: peakRate, duration: '3m' },
        { target: 0, duration: '30s' },
      ],
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.001'],
    'http_req_duration{name:GET /v2/rezept}': ['p(95)<150'],
    'http_req_duration{name:PATCH /v2/rezept/statusuuid}': ['p(95)<300'],
  },
};

export default function (): void {
  const res = realisticMix(__VU, __ITER, Math.random());
  check(res, { '2xx': (r) => r.status >= 200 && r.status < 300 });
}
