// Shadow comparisons off the critical path (GitHub Scientist's shape: the control — the legacy — always
// answers the client; the candidate is run afterwards and only compared). `begin` samples and admits a
// request and hands back a capture for the forwarder; once the legacy's answer has been relayed in full,
// the candidate runs (the fast path, or a second legacy forward when calibrating), bounded per route by
// maxConcurrent, and the comparison is counted, kept for the admin read-out and logged on mismatch.
// Nothing here can delay, change or fail the client's response.
import type { RequestContext, EdgeLogger } from '../core/request-context.js';
import type { CapturedExchange, ResponseCapture } from '../core/response-capture.js';
import {
  defaultShadowSettings,
  isReadRequest,
  type ShadowCandidate,
  type ShadowSettings,
} from '../core/rollout.js';
import { createComparer, type Comparer, type ShadowAnswer } from './compare.js';
import type { MismatchSample, ShadowKind, ShadowOutcome, ShadowStats } from './shadow-stats.js';

export interface ShadowRequest {
  /** The request body as the legacy received it (empty for GET). */
  readonly body: Buffer;
  /** The route's shadow.maxBodyBytes: a candidate answer beyond it is a failed candidate. */
  readonly maxBodyBytes: number;
}

/** The fast path's answer to the same request; undefined when it would forward instead of answering. */
export type ComputeFastAnswer = (
  ctx: RequestContext,
  request: ShadowRequest,
) => Promise<ShadowAnswer | undefined>;

/** A second forward of the same read to the legacy (calibration). */
export type ReplayLegacy = (ctx: RequestContext, request: ShadowRequest) => Promise<ShadowAnswer>;

export interface ShadowRunnerDeps {
  readonly candidates: Readonly<Partial<Record<ShadowCandidate, ComputeFastAnswer>>>;
  readonly replayLegacy?: ReplayLegacy;
  readonly stats: ShadowStats;
  /** Also called for every recorded outcome (metrics). */
  readonly onOutcome?: (routeId: string, kind: ShadowKind, outcome: ShadowOutcome) => void;
  readonly log: EdgeLogger;
  readonly random?: () => number;
  /** Monotonic ms, for log rate limiting. */
  readonly now?: () => number;
  /** At most this many mismatch log lines per route and second; the rest are counted in the next line. */
  readonly maxLogsPerSecond?: number;
}

export interface ShadowRunner {
  /** Sampling and admission for one request in shadow mode: a capture for the forwarder, or undefined. */
  begin(ctx: RequestContext): ResponseCapture | undefined;
  /** Comparisons admitted and not finished yet, all routes. */
  readonly inFlight: number;
  /** Resolves once no comparison is in flight (tests, shutdown). */
  idle(): Promise<void>;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown } | { timeout: true };

function settleWithin<T>(promise: Promise<T>, timeoutMs: number): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ timeout: true }), timeoutMs);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ ok: false, error });
      },
    );
  });
}

export function createShadowRunner(deps: ShadowRunnerDeps): ShadowRunner {
  const random = deps.random ?? Math.random;
  const now = deps.now ?? (() => performance.now());
  const maxLogs = deps.maxLogsPerSecond ?? 5;
  const fallback = defaultShadowSettings();
  const comparers = new WeakMap<ShadowSettings, Comparer>();
  const inFlightByRoute = new Map<string, number>();
  const logWindows = new Map<string, { startMs: number; logged: number; suppressed: number }>();
  let inFlight = 0;
  let waiters: Array<() => void> = [];

  const record = (routeId: string, kind: ShadowKind, outcome: ShadowOutcome, sample?: MismatchSample) => {
    deps.stats.record(routeId, kind, outcome, sample);
    deps.onOutcome?.(routeId, kind, outcome);
  };

  const comparerFor = (settings: ShadowSettings) => {
    let comparer = comparers.get(settings);
    if (!comparer) {
      comparer = createComparer({ ignorePaths: settings.ignorePaths });
      comparers.set(settings, comparer);
    }
    return comparer;
  };

  const mayLog = (routeId: string): { ok: boolean; suppressed: number } => {
    const t = now();
    let window = logWindows.get(routeId);
    if (!window || t - window.startMs >= 1000) {
      const suppressed = window?.suppressed ?? 0;
      window = { startMs: t, logged: 0, suppressed: 0 };
      logWindows.set(routeId, window);
      window.logged = 1;
      return { ok: true, suppressed };
    }
    if (window.logged < maxLogs) {
      window.logged += 1;
      return { ok: true, suppressed: 0 };
    }
    window.suppressed += 1;
    return { ok: false, suppressed: 0 };
  };

  const release = (routeId: string) => {
    inFlightByRoute.set(routeId, (inFlightByRoute.get(routeId) ?? 1) - 1);
    inFlight -= 1;
    if (inFlight === 0) {
      const done = waiters;
      waiters = [];
      for (const resolve of done) resolve();
    }
  };

  async function run(
    ctx: RequestContext,
    routeId: string,
    settings: ShadowSettings,
    kind: ShadowKind,
    candidate: ComputeFastAnswer,
    exchange: CapturedExchange,
  ): Promise<void> {
    const pending = Promise.resolve().then(() =>
      candidate(ctx, { body: exchange.requestBody, maxBodyBytes: settings.maxBodyBytes }),
    );
    const settled = await settleWithin(pending, settings.timeoutMs);
    if ('timeout' in settled) {
      record(routeId, kind, 'candidate-timeout');
      // Keep the slot until the candidate really ends: a hung fast path must not pile up more work.
      await pending.catch(() => undefined);
      return;
    }
    if (!settled.ok) {
      record(routeId, kind, 'candidate-error');
      if (mayLog(routeId).ok)
        ctx.log.warn(
          { route: routeId, shadow: kind, err: settled.error },
          'shadow candidate failed (the client already has the legacy answer)',
        );
      return;
    }
    if (settled.value === undefined) {
      record(routeId, kind, 'declined');
      return;
    }
    const legacy: ShadowAnswer = {
      status: exchange.status,
      contentType: exchange.contentType,
      body: exchange.body,
    };
    const comparison = comparerFor(settings).compare(legacy, settled.value);
    if (comparison.match) {
      record(routeId, kind, 'match');
      return;
    }
    const tenant = ctx.principal?.tenant.datenbankId ?? null;
    const sample: MismatchSample = {
      at: new Date().toISOString(),
      requestId: ctx.requestId,
      tenant,
      kind,
      differenceCount: comparison.differenceCount,
      differences: comparison.differences,
    };
    record(routeId, kind, 'mismatch', sample);
    const gate = mayLog(routeId);
    if (gate.ok)
      ctx.log.warn(
        {
          route: routeId,
          tenant,
          shadow: kind,
          differenceCount: comparison.differenceCount,
          differences: comparison.differences,
          ...(gate.suppressed > 0 ? { suppressedMismatchLogs: gate.suppressed } : {}),
        },
        'shadow mismatch',
      );
  }

  return {
    begin(ctx) {
      const route = ctx.route;
      if (!route || !isReadRequest(ctx.method, ctx.path)) return undefined;
      const settings = route.shadow ?? fallback;
      if (settings.sample <= 0 || (settings.sample < 1 && random() >= settings.sample)) return undefined;
      const kind: ShadowKind = settings.calibrate ? 'calibration' : 'candidate';
      const candidate = settings.calibrate ? deps.replayLegacy : deps.candidates[settings.candidate];
      if (!candidate) {
        record(route.id, kind, 'no-candidate');
        return undefined;
      }
      const running = inFlightByRoute.get(route.id) ?? 0;
      if (running >= settings.maxConcurrent) {
        record(route.id, kind, 'busy');
        return undefined;
      }
      inFlightByRoute.set(route.id, running + 1);
      inFlight += 1;
      let reported = false;
      return {
        maxBytes: settings.maxBodyBytes,
        requestBody: ctx.method !== 'GET',
        complete(exchange) {
          if (reported) return;
          reported = true;
          // Off the forwarder's callback, and behind the I/O already pending (a timer, not setImmediate): the
          // legacy's bytes are in the kernel already; the candidate's work yields to the next reads first.
          setTimeout(() => {
            run(ctx, route.id, settings, kind, candidate, exchange)
              .catch((err: unknown) => {
                record(route.id, kind, 'candidate-error');
                ctx.log.error({ err, route: route.id }, 'shadow comparison failed');
              })
              .finally(() => release(route.id));
          }, 1);
        },
        skip(reason) {
          if (reported) return;
          reported = true;
          record(route.id, kind, reason);
          release(route.id);
        },
      };
    },
    get inFlight() {
      return inFlight;
    },
    idle() {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
