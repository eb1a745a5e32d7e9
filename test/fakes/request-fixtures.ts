// Shared fixtures of the pipeline unit tests: a logger that drops everything, an authenticated principal
// of a given tenant (the fields the stages read; the values are arbitrary but fixed) and an outcome's body.
import { isRenderedBody, type Outcome } from '../../src/core/outcome.js';
import type { Principal } from '../../src/core/principal.js';
import type { EdgeLogger } from '../../src/core/request-context.js';

export const silentLog: EdgeLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLog,
};

export function testPrincipal(datenbankId: number, connectionString = 'Host=db'): Principal {
  return {
    userId: 1,
    loginName: 'u',
    mandantId: 1,
    clientCode: 'C',
    tenant: { datenbankId, connectionString },
  };
}

/**
 * The body text of a `respond` outcome, whichever form it has: a rendered body (rendered into a dirty,
 * oversized buffer, as the response writer's pool hands them out), a stream or a Buffer.
 */
export async function respondBodyText(outcome: Outcome): Promise<string> {
  if (outcome.kind !== 'respond') throw new Error(`expected respond, got ${JSON.stringify(outcome)}`);
  const { body } = outcome;
  if (isRenderedBody(body)) {
    const target = Buffer.alloc(body.maxBytes + 64, 0x7e);
    return target.subarray(0, body.renderInto(target)).toString('utf8');
  }
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
