// management-notification: payloads of channel arzti_edge_auth (written by 001_auth_notify.up.sql).
import { describe, expect, it } from 'vitest';
import { parseManagementPayload } from '../../../src/invalidation/management-notification.js';

describe('parseManagementPayload', () => {
  it.each([
    ['arzsw_benutzer:5', { kind: 'rows', table: 'arzsw_benutzer', ids: [5] }],
    ['arzsw_benutzer:5,6,9999', { kind: 'rows', table: 'arzsw_benutzer', ids: [5, 6, 9999] }],
    ['arzsw_datenbank:1', { kind: 'rows', table: 'arzsw_datenbank', ids: [1] }],
    ['arzsw_mandant:2,3', { kind: 'rows', table: 'arzsw_mandant', ids: [2, 3] }],
    ['arzsw_benutzer:*', { kind: 'all', table: 'arzsw_benutzer' }],
    ['*', { kind: 'all' }],
  ])('%j', (payload, change) => {
    expect(parseManagementPayload(payload)).toEqual(change);
  });

  it.each([
    [''],
    ['arzsw_benutzer:'],
    ['arzsw_benutzer:1,,2'],
    ['arzsw_benutzer:x'],
    ['other_table:1'],
    ['garbage'],
  ])('%j is not understood, so everything is flushed', (payload) => {
    expect(parseManagementPayload(payload).kind).toBe('all');
  });
});
