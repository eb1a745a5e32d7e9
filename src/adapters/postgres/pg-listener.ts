// A dedicated LISTEN connection (never a pooled one) implementing the NotificationSource port, with
// unlimited reconnects under exponential backoff, re-LISTEN of every channel and a periodic liveness
// probe. It cannot replay what was missed: subscribers get 'disconnected' / 'connected' and must resync.
import pg from 'pg';
import type { NotificationSource } from '../../core/sql-port.js';

export type PgListenerState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface PgListenerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface PgListenerOptions {
  /** Connection settings (already parsed; never logged). */
  readonly connection: pg.ClientConfig;
  /** Shown in logs and as application_name. */
  readonly name: string;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** How often a connected listener proves the connection is alive (`SELECT 1`); 0 disables. */
  readonly healthCheckIntervalMs?: number;
  readonly healthCheckTimeoutMs?: number;
  readonly logger?: PgListenerLogger;
  /** Observes every state change (metrics, readiness). */
  readonly onStateChange?: (state: PgListenerState) => void;
  /** Backoff jitter source; replaceable for tests. */
  readonly random?: () => number;
}

export interface PgListener extends NotificationSource {
  state(): PgListenerState;
  /** Successful connections after the first one. */
  reconnects(): number;
  /** Closes the connection and stops reconnecting. Idempotent. */
  close(): Promise<void>;
}

interface Subscriber {
  readonly onPayload: (payload: string) => void;
  readonly onState?: (state: 'connected' | 'disconnected') => void;
  /** Last state reported to this subscriber: every report is a change. */
  told?: 'connected' | 'disconnected';
}

export function createPgListener(options: PgListenerOptions): PgListener {
  const initialDelayMs = options.initialDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const healthIntervalMs = options.healthCheckIntervalMs ?? 15_000;
  const healthTimeoutMs = options.healthCheckTimeoutMs ?? 5_000;
  const random = options.random ?? Math.random;
  const log = options.logger;

  const channels = new Map<string, Set<Subscriber>>();
  let state: PgListenerState = 'idle';
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let healthTimer: NodeJS.Timeout | undefined;
  let failedAttempts = 0;
  let connectedOnce = false;
  let reconnectCount = 0;

  const setState = (next: PgListenerState) => {
    if (state === next) return;
    state = next;
    options.onStateChange?.(next);
  };

  const tell = (subscriber: Subscriber, s: 'connected' | 'disconnected') => {
    if (subscriber.told === s) return;
    subscriber.told = s;
    try {
      subscriber.onState?.(s);
    } catch (err) {
      log?.warn({ listener: options.name, err }, 'notification subscriber failed on state change');
    }
  };

  const broadcast = (s: 'connected' | 'disconnected') => {
    for (const subs of channels.values()) for (const sub of subs) tell(sub, s);
  };

  const dispatch = (channel: string, payload: string) => {
    for (const sub of channels.get(channel) ?? []) {
      try {
        sub.onPayload(payload);
      } catch (err) {
        log?.warn({ listener: options.name, channel, err }, 'notification subscriber failed');
      }
    }
  };

  const stopHealth = () => {
    if (healthTimer) clearInterval(healthTimer);
    healthTimer = undefined;
  };

  const scheduleRetry = () => {
    if (state === 'closed' || retryTimer) return;
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(failedAttempts, 30));
    const delay = Math.round(base * (0.8 + 0.4 * random()));
    failedAttempts += 1;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
    retryTimer.unref();
  };

  /** The connection `c` is gone (error, end, failed probe). Runs once per connection. */
  const lost = (c: pg.Client, reason: unknown) => {
    if (c !== client) return;
    client = undefined;
    stopHealth();
    c.removeAllListeners('notification');
    c.on('error', () => undefined); // late errors of a dead client must not crash the process
    c.connection.stream.destroy();
    if (state === 'closed') return;
    setState('disconnected');
    log?.warn({ listener: options.name, err: reason }, 'LISTEN connection lost; reconnecting');
    broadcast('disconnected');
    scheduleRetry();
  };

  const probe = (c: pg.Client) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (!settled) lost(c, new Error(`health check timed out after ${healthTimeoutMs} ms`));
    }, healthTimeoutMs);
    timer.unref();
    c.query('SELECT 1').then(
      () => {
        settled = true;
        clearTimeout(timer);
      },
      (err: unknown) => {
        settled = true;
        clearTimeout(timer);
        lost(c, err);
      },
    );
  };

  const attempt = async (): Promise<void> => {
    setState('connecting');
    const c = new pg.Client({
      ...options.connection,
      application_name: options.connection.application_name ?? options.name,
      keepAlive: true,
    });
    // Until `client = c` below, `lost` ignores c; a death during setup is remembered here instead.
    let diedDuringSetup: unknown;
    const onDeath = (reason: unknown) => {
      diedDuringSetup ??= reason;
      lost(c, reason);
    };
    c.on('error', onDeath);
    c.on('end', () => onDeath(new Error('connection ended')));
    c.on('notification', (msg) => dispatch(msg.channel, msg.payload ?? ''));
    try {
      await c.connect();
      for (const channel of channels.keys()) await c.query(`LISTEN ${quoteIdent(channel)}`);
      if (diedDuringSetup !== undefined) throw diedDuringSetup;
    } catch (err) {
      c.removeAllListeners();
      c.on('error', () => undefined);
      void c.end().catch(() => undefined);
      if (state === 'closed') return;
      setState('disconnected');
      if (failedAttempts === 0 || failedAttempts % 10 === 0) {
        log?.warn({ listener: options.name, err, attempt: failedAttempts + 1 }, 'LISTEN connection failed');
      }
      broadcast('disconnected');
      scheduleRetry();
      return;
    }
    if (state === 'closed') {
      c.removeAllListeners();
      c.on('error', () => undefined);
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    failedAttempts = 0;
    if (connectedOnce) reconnectCount += 1;
    connectedOnce = true;
    setState('connected');
    if (reconnectCount > 0)
      log?.info({ listener: options.name, reconnects: reconnectCount }, 'LISTEN connection re-established');
    if (healthIntervalMs > 0) {
      healthTimer = setInterval(() => probe(c), healthIntervalMs);
      healthTimer.unref();
    }
    broadcast('connected');
  };

  const connect = (): Promise<void> => {
    if (state === 'closed' || client) return Promise.resolve();
    connecting ??= attempt().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  return {
    async listen(channel, onPayload, onState) {
      if (state === 'closed') throw new Error(`listener ${options.name} is closed`);
      const subscriber: Subscriber = { onPayload, onState };
      let subs = channels.get(channel);
      const fresh = !subs;
      if (!subs) channels.set(channel, (subs = new Set()));
      subs.add(subscriber);

      // A connection attempt LISTENs on every channel registered before it finishes.
      if (state === 'idle') await connect();
      else if (connecting) await connecting;
      else if (client && fresh) {
        const c = client;
        await c.query(`LISTEN ${quoteIdent(channel)}`).catch((err: unknown) => lost(c, err));
      }
      tell(subscriber, client ? 'connected' : 'disconnected');

      return async () => {
        const current = channels.get(channel);
        if (!current?.delete(subscriber) || current.size > 0) return;
        channels.delete(channel);
        if (client) await client.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      };
    },

    state: () => state,
    reconnects: () => reconnectCount,

    async close() {
      if (state === 'closed') return;
      setState('closed');
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      stopHealth();
      const c = client;
      client = undefined;
      if (connecting) await connecting.catch(() => undefined);
      if (c) {
        c.removeAllListeners();
        c.on('error', () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}

/** A channel name as a quoted identifier (case and characters preserved). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
