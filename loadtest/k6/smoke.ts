// Smoke test: one virtual user checks every route of the mix once a second for 30 s.
// Fails (non-zero exit) on any non-2xx answer or a p95 above 1 s.
import { check, sleep } from 'k6';
import type { Options } from 'k6/options';
import { listNew, reportStatus, statusLookup } from './common.ts';

export const options: Options = {
  vus: 1,
  duration: '30s',
  thresholds: { http_req_failed: ['rate==0'], http_req_duration: ['p(95)<1000'] },
};

export default function (): void {
  const vu = __VU;
  check(listNew(vu, '?page=1&pageSize=100'), { 'list 200': (r) => r.status === 200 });
  check(statusLookup(vu, 10), { 'statusuuid 200': (r) => r.status === 200 });
  check(reportStatus(vu, __ITER), { 'status update 200': (r) => r.status === 200 });
  sleep(1);
}
