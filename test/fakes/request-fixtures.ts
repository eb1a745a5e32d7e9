// Shared fixtures of the pipeline unit tests: a logger that drops everything and an authenticated
// principal of a given tenant (the fields the stages read; the values are arbitrary but fixed).
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
