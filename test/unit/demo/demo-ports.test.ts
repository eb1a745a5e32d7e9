// Port handling of the demo (src/demo/demo-ports.ts): EMULATOR_PORT validation, the fail-fast probe
// and the message that names the setting to change.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPortsFree, parseEmulatorPort, portProblem } from '../../../src/demo/demo-ports.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function occupiedPort(): Promise<number> {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('parseEmulatorPort', () => {
  it('defaults to 5017 and accepts 0..65535', () => {
    expect(parseEmulatorPort(undefined)).toBe(5017);
    expect(parseEmulatorPort('  ')).toBe(5017);
    expect(parseEmulatorPort('0')).toBe(0);
    expect(parseEmulatorPort('65535')).toBe(65535);
  });

  it('rejects anything else with EDGE_CONFIG_INVALID naming EMULATOR_PORT', () => {
    for (const bad of ['65536', '-1', '50x', '1.5']) {
      expect(() => parseEmulatorPort(bad)).toThrow(expect.objectContaining({ code: 'EDGE_CONFIG_INVALID' }));
      expect(() => parseEmulatorPort(bad)).toThrow(/EMULATOR_PORT/);
    }
  });
});

describe('assertPortsFree', () => {
  it('passes for free ports and never probes port 0', async () => {
    await expect(
      assertPortsFree([
        { setting: 'EDGE_PORT', port: 0, host: '127.0.0.1' },
        { setting: 'EDGE_ADMIN_PORT', port: 0, host: '127.0.0.1' },
      ]),
    ).resolves.toBeUndefined();
  });

  it('names the setting of a port that is taken', async () => {
    const port = await occupiedPort();
    const check = assertPortsFree([
      { setting: 'EDGE_PORT', port: 0, host: '127.0.0.1' },
      { setting: 'EMULATOR_PORT', port, host: '127.0.0.1' },
    ]);
    await expect(check).rejects.toMatchObject({ code: 'EDGE_CONFIG_INVALID' });
    await expect(check).rejects.toThrow(`port ${port} (EMULATOR_PORT) is already in use`);
  });

  it('refuses two settings with the same fixed port', async () => {
    await expect(
      assertPortsFree([
        { setting: 'EDGE_PORT', port: 8080, host: '127.0.0.1' },
        { setting: 'EMULATOR_PORT', port: 8080, host: '127.0.0.1' },
      ]),
    ).rejects.toThrow('EDGE_PORT and EMULATOR_PORT are both 8080');
  });
});

describe('portProblem', () => {
  it('suggests another port through the same setting', () => {
    const err = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    const problem = portProblem({ setting: 'EDGE_PORT', port: 8080, host: '127.0.0.1' }, err);
    expect(problem.message).toBe(
      'port 8080 (EDGE_PORT) is already in use (another process listens on 127.0.0.1:8080); ' +
        'stop that process or choose another port, e.g. EDGE_PORT=18080',
    );
    expect(problem.cause).toBe(err);
  });
});
