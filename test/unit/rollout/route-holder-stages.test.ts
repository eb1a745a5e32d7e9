// matchRoute and decide read the table through the holder: a swap affects the next request only, a request
// keeps the route it matched, and the kill switch tags the decision for X-Edge.
import { describe, expect, it } from 'vitest';
import { parseRouteTable } from '../../../src/config/routes-file.js';
import { formatEdgeHeader } from '../../../src/core/edge-header.js';
import { createRequestContext, type RequestContext } from '../../../src/core/request-context.js';
import { createModeState } from '../../../src/core/route-mode.js';
import { createRouteTableHolder } from '../../../src/core/route-table-holder.js';
import { createDecideStage } from '../../../src/pipeline/decide.js';
import { createMatchRouteStage } from '../../../src/pipeline/match-route.js';
import type { StageResult } from '../../../src/pipeline/stage.js';
import { silentLog as log, testPrincipal } from '../../fakes/request-fixtures.js';

const ctxFor = (rawUrl: string): RequestContext =>
  createRequestContext({
    requestId: 'r',
    startedAtMs: 0,
    receivedAt: 0,
    method: 'GET',
    rawUrl,
    headers: {},
    remoteAddress: '127.0.0.1',
    log,
  });
const nextCtx = (result: StageResult) => {
  if (result.type !== 'next') throw new Error('expected next');
  return result.ctx;
};
const tenant = testPrincipal;

const table = (mode: string, extra = '') =>
  parseRouteTable(
    `${extra}routes:\n  - { id: v2-rezept-list, method: GET, path: /v2/rezept, mode: ${mode} }\n`,
    't.yaml',
  );

describe('route table holder in the stages', () => {
  it('a request keeps the route it matched although the table is swapped before decide', async () => {
    const holder = createRouteTableHolder(table('legacy'), 't.yaml');
    const modes = createModeState({ implemented: ['sql'] });
    const match = createMatchRouteStage(holder);
    const decide = createDecideStage(modes, holder);

    const inFlight = nextCtx(await match(ctxFor('/v2/rezept')));
    holder.swap(table('sql'), new Date());
    expect(nextCtx(await decide(inFlight)).mode).toBe('legacy');

    const fresh = nextCtx(await match(ctxFor('/v2/rezept')));
    expect(nextCtx(await decide(fresh)).mode).toBe('sql');
    expect(holder.generation).toBe(2);
  });

  it('a rejected reload keeps the running table and records the error until the next good load', () => {
    const holder = createRouteTableHolder(table('legacy'), 't.yaml', new Date(0));
    const first = holder.current();
    holder.reject('t.yaml:1:1: yaml: broken', new Date(1000));
    expect(holder.current()).toBe(first);
    expect(holder.lastError).toEqual({ at: new Date(1000), message: 't.yaml:1:1: yaml: broken' });
    holder.swap(table('sql'), new Date(2000));
    expect(holder.lastError).toBeUndefined();
    expect(holder.loadedAt).toEqual(new Date(2000));
  });

  it('decide applies the rollout with the principal and tags kill-switch decisions for X-Edge', async () => {
    const holder = createRouteTableHolder(
      parseRouteTable(
        [
          'routes:',
          '  - id: v2-rezept-list',
          '    method: GET',
          '    path: /v2/rezept',
          '    mode: sql',
          '    rollout: { percent: 0, allowTenants: [5] }',
        ].join('\n'),
        't.yaml',
      ),
      't.yaml',
    );
    const modes = createModeState({ implemented: ['sql'] });
    const decide = createDecideStage(modes, holder);
    const matched = nextCtx(await createMatchRouteStage(holder)(ctxFor('/v2/rezept')));
    const withTenant = (id: number) => ({ ...matched, principal: tenant(id) }) as RequestContext;

    expect(nextCtx(await decide(withTenant(5))).mode).toBe('sql');
    expect(nextCtx(await decide(withTenant(6))).mode).toBe('legacy');
    expect(nextCtx(await decide(withTenant(6))).edgeTags).toBeUndefined();

    modes.setKillSwitch(true);
    const killed = nextCtx(await decide(withTenant(5)));
    expect(killed.mode).toBe('legacy');
    expect(formatEdgeHeader('legacy', killed.edgeTags)).toBe('legacy; kill-switch');
  });

  it('routes.yaml killSwitch: true is carried on the table', () => {
    expect(table('sql', 'killSwitch: true\n').killSwitch).toBe(true);
    expect(table('sql').killSwitch).toBe(false);
  });
});
