import { describe, expect, it } from 'vitest';
import { createPrng } from '../../../src/seed/prng.js';
import {
  MAX_XML_BYTES,
  MIN_XML_BYTES,
  payloadSize,
  prescriptionXml,
  type XmlContext,
} from '../../../src/seed/xml-payload.js';

const context = (over: Partial<XmlContext> = {}): XmlContext => ({
  type: 'erezept',
  uuid: '0b7c1e2a-1111-4222-8333-444455556666',
  headId: 90311,
  businessKey: '160.000.100.000.001.23',
  apoIkNr: '308412345',
  pharmacyName: 'Löwen-Apotheke',
  issued: '2025-11-03',
  showcase: false,
  ...over,
});

describe('prescription XML', () => {
  it('stays within 1–50 KB with a mean near 2 KB', () => {
    const p = createPrng(11);
    let total = 0;
    let min = Infinity;
    let max = 0;
    const n = 3000;
    for (let i = 0; i < n; i += 1) {
      const xml = prescriptionXml(
        p,
        context({ type: (['emuster16', 'prezept', 'erezept'] as const)[i % 3] }),
        payloadSize(p),
      );
      const bytes = Buffer.byteLength(xml);
      total += bytes;
      min = Math.min(min, bytes);
      max = Math.max(max, bytes);
    }
    expect(min).toBeGreaterThanOrEqual(MIN_XML_BYTES);
    expect(max).toBeLessThanOrEqual(MAX_XML_BYTES);
    expect(total / n).toBeGreaterThan(1700);
    expect(total / n).toBeLessThan(2600);
  });

  it('puts every awkward character class into a showcase payload', () => {
    const xml = prescriptionXml(createPrng(1), context({ showcase: true }), 1500);
    for (const needle of [
      'ä',
      'ö',
      'ü',
      'ß',
      '&amp;',
      'Arzt & Patient',
      '<![CDATA[Dosis < 5',
      '"',
      "'",
      '+49',
      '`',
      '\\',
      '\t',
      '\r\n',
      '\u0001',
      '\u007f',
      '😀',
      '𝔸',
      '\u2028',
    ]) {
      expect(xml, JSON.stringify(needle)).toContain(needle);
    }
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml.endsWith('</Bundle>')).toBe(true);
  });

  it('is deterministic', () => {
    const a = prescriptionXml(createPrng(5), context(), 4000);
    const b = prescriptionXml(createPrng(5), context(), 4000);
    expect(a).toBe(b);
  });
});
