import { verifySync } from '@node-rs/bcrypt';
import { describe, expect, it } from 'vitest';
import { deterministicBcrypt, managementRows } from '../../../src/seed/management-rows.js';

const tenants = [
  {
    name: 'edge_demo_apoti_1',
    connectionString: 'Host=127.0.0.1;Port=5432;Database=edge_demo_apoti_1;Username=postgres;Pooling=true;',
  },
  {
    name: 'edge_demo_apoti_2',
    connectionString: 'Host=127.0.0.1;Port=5432;Database=edge_demo_apoti_2;Username=postgres;Pooling=true;',
  },
];

describe('management rows', () => {
  it('hashes with bcrypt cost 10 deterministically, in $2a$ and $2b$ form', () => {
    const b = deterministicBcrypt('geheim', 42, 'x', '2b');
    expect(b).toMatch(/^\$2b\$10\$/);
    expect(deterministicBcrypt('geheim', 42, 'x', '2b')).toBe(b);
    expect(deterministicBcrypt('geheim', 43, 'x', '2b')).not.toBe(b);
    const a = deterministicBcrypt('Grüße-äöü', 42, 'apotheke_müller', '2a');
    expect(a).toMatch(/^\$2a\$10\$/);
    expect(verifySync('Grüße-äöü', a)).toBe(true);
    expect(verifySync('geheim', b)).toBe(true);
  });

  it('covers the authentication edge cases', () => {
    const { users, benutzer, datenbanken, mandanten } = managementRows(tenants, 42);
    expect(datenbanken).toHaveLength(2);
    expect(mandanten.length).toBeGreaterThanOrEqual(2);
    expect(users.some((u) => u.password.includes(':'))).toBe(true);
    expect(users.some((u) => u.password === '' && u.kind === 'empty')).toBe(true);
    expect(users.some((u) => [...u.login].some((ch) => ch.charCodeAt(0) > 127))).toBe(true);
    const perDb = new Map<number, number>();
    for (const u of users) perDb.set(u.databaseId, (perDb.get(u.databaseId) ?? 0) + 1);
    expect(Math.max(...perDb.values())).toBeGreaterThanOrEqual(2);
    expect(new Set(users.map((u) => u.databaseId))).toEqual(new Set([1, 2]));
    for (const u of users.filter((x) => x.kind.startsWith('bcrypt'))) {
      const row = benutzer.find((r) => r[0] === u.id);
      expect(verifySync(u.password, row?.[4] as string)).toBe(true);
    }
    expect(managementRows(tenants, 42)).toEqual(managementRows(tenants, 42));
  });

  it('still gives every tenant a user with a single tenant', () => {
    const { users } = managementRows(tenants.slice(0, 1), 1);
    expect(users.every((u) => u.databaseId === 1)).toBe(true);
  });
});
