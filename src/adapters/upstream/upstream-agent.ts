// The keep-alive agent for every connection to the legacy. Without it http-proxy-3 opens (and closes) one
// TCP connection per request. Idle sockets are closed well before IIS's 120 s idle timeout so we never
// reuse a socket the legacy is about to close (the classic stale keep-alive ECONNRESET).
import http from 'node:http';
import https from 'node:https';

export interface UpstreamAgentSettings {
  readonly protocol: 'http:' | 'https:';
  readonly maxSockets: number;
  readonly idleTimeoutMs: number;
}

export interface UpstreamAgent {
  readonly agent: http.Agent;
  /** Active plus idle sockets, for the edge_upstream_open_sockets gauge. */
  openSockets(): number;
  /** Closes idle sockets now and every socket still open; used at shutdown. */
  destroy(): void;
}

function count(sockets: NodeJS.ReadOnlyDict<unknown[]>): number {
  let total = 0;
  for (const list of Object.values(sockets)) total += list?.length ?? 0;
  return total;
}

export function createUpstreamAgent(settings: UpstreamAgentSettings): UpstreamAgent {
  const options: http.AgentOptions = {
    keepAlive: true,
    // TCP keep-alive probes on idle sockets, so dead peers are noticed.
    keepAliveMsecs: 15_000,
    maxSockets: settings.maxSockets,
    maxFreeSockets: settings.maxSockets,
    // For idle (free) sockets this is the idle timeout after which the agent destroys them; a request in
    // flight overrides it with the response timeout.
    timeout: settings.idleTimeoutMs,
    scheduling: 'lifo',
  };
  const agent = settings.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
  return {
    agent,
    openSockets: () => count(agent.sockets) + count(agent.freeSockets),
    destroy: () => agent.destroy(),
  };
}
