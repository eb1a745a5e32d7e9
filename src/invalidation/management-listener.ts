// Applies management-DB change notifications (channel arzti_edge_auth) to the credential cache so a
// changed password, login, tenant mapping or client code takes effect within about a second. While
// the feed is down the cache's TTL is the bound; on every (re)connect the whole cache is dropped,
// because anything sent in the gap is lost. Never on the request path.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NotificationSource } from '../core/sql-port.js';
import {
  MANAGEMENT_CHANNEL,
  parseManagementPayload,
  type ManagementChange,
} from './management-notification.js';

/** What the listener needs from the credential cache (structurally its InvalidationScope API). */
export interface CredentialInvalidationTarget {
  invalidate(scope: {
    readonly users?: readonly number[];
    readonly datenbanken?: readonly number[];
    readonly mandanten?: readonly number[];
  }): number;
  clear(): void;
}

export type ManagementListenerState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

export interface ManagementListenerStatus {
  readonly state: ManagementListenerState;
  /** Since when the feed has been in this state (epoch ms). */
  readonly sinceMs: number;
  readonly notifications: number;
  readonly flushes: number;
}

export interface ManagementListener {
  /** For /readyz: a disconnected feed means staleness up to the credential TTL, not an outage. */
  status(): ManagementListenerStatus;
  stop(): Promise<void>;
}

export interface ManagementListenerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ManagementListenerDeps {
  readonly source: NotificationSource;
  readonly target: CredentialInvalidationTarget;
  readonly registry?: Registry;
  readonly logger?: ManagementListenerLogger;
  readonly channel?: string;
  readonly now?: () => number;
}

export async function startManagementListener(deps: ManagementListenerDeps): Promise<ManagementListener> {
  const now = deps.now ?? Date.now;
  const registers = deps.registry ? [deps.registry] : [];
  const connectedGauge = new Gauge({
    name: 'edge_auth_listener_connected',
    help: '1 while the management-DB LISTEN connection is up, else 0',
    registers,
  });
  const notificationsTotal = new Counter({
    name: 'edge_auth_notifications_total',
    help: 'Management-DB change notifications applied, by table (all = flush)',
    labelNames: ['table'],
    registers,
  });
  const flushesTotal = new Counter({
    name: 'edge_auth_cache_flushes_total',
    help: 'Whole-cache flushes of the credential cache, by reason (connect, notify)',
    labelNames: ['reason'],
    registers,
  });
  const reconnectsTotal = new Counter({
    name: 'edge_auth_listener_reconnects_total',
    help: 'Times the management-DB LISTEN connection came back after a loss',
    registers,
  });

  let state: ManagementListenerState = 'connecting';
  let sinceMs = now();
  let notifications = 0;
  let flushes = 0;
  let everConnected = false;

  const setState = (next: ManagementListenerState) => {
    if (next === state) return;
    state = next;
    sinceMs = now();
    connectedGauge.set(next === 'connected' ? 1 : 0);
  };

  const flush = (reason: 'connect' | 'notify') => {
    deps.target.clear();
    flushes += 1;
    flushesTotal.inc({ reason });
  };

  const apply = (change: ManagementChange) => {
    if (change.kind === 'all') {
      notificationsTotal.inc({ table: 'all' });
      flush('notify');
      return;
    }
    notificationsTotal.inc({ table: change.table });
    if (change.table === 'arzsw_benutzer') deps.target.invalidate({ users: change.ids });
    else if (change.table === 'arzsw_datenbank') deps.target.invalidate({ datenbanken: change.ids });
    else deps.target.invalidate({ mandanten: change.ids });
  };

  const unlisten = await deps.source.listen(
    deps.channel ?? MANAGEMENT_CHANNEL,
    (payload) => {
      if (state === 'stopped') return;
      notifications += 1;
      apply(parseManagementPayload(payload));
    },
    (sourceState) => {
      if (state === 'stopped') return;
      if (sourceState === 'connected') {
        // Whatever was cached before this LISTEN took effect may be stale: start from empty.
        flush('connect');
        if (everConnected) {
          reconnectsTotal.inc();
          deps.logger?.info(
            { flushed: true },
            'management change feed reconnected; credential cache flushed',
          );
        }
        everConnected = true;
        setState('connected');
      } else {
        if (state === 'connected') {
          deps.logger?.warn({}, 'management change feed lost; credential cache falls back to its TTL');
        }
        setState('disconnected');
      }
    },
  );

  return {
    status: () => ({ state, sinceMs, notifications, flushes }),
    async stop() {
      if (state === 'stopped') return;
      setState('stopped');
      await unlisten();
    },
  };
}
