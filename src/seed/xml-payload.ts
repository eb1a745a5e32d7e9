// Builds the `xml_request` payloads: plausible German prescription XML of a chosen size (1–50 KB, mean
// ~2 KB) whose text stresses a JSON escaper (umlauts, &amp; and raw &, <, quotes, control characters,
// non-BMP characters, CR/LF/TAB). Pure: output depends only on the PRNG state and the context.
import { DOSAGES, DRUGS, FIRST_NAMES, INSURERS, NOTES, SURNAMES, TOWNS } from './german-text.js';
import type { Prng } from './prng.js';
import type { PrescriptionType } from './tenant-tables.js';

export const MIN_XML_BYTES = 1024;
export const MAX_XML_BYTES = 50 * 1024;

export interface XmlContext {
  type: PrescriptionType;
  uuid: string;
  headId: number;
  /** muster16_id, transaktions_nummer or erezept_id as text. */
  businessKey: string;
  apoIkNr: string;
  pharmacyName: string;
  /** Day of issue `YYYY-MM-DD`. */
  issued: string;
  /** Include every awkward character class at least once (used for a deterministic sample of rows). */
  showcase: boolean;
}

/** Payload size in characters: 92.8% 1–1.8 KB, 6% 1.8–8 KB, 1.2% a log-uniform tail up to ~48 KB. */
export function payloadSize(prng: Prng): number {
  const r = prng.float();
  if (r < 0.928) return prng.int(1040, 1800);
  if (r < 0.988) return prng.int(1800, 8000);
  return Math.floor(8000 * Math.exp(prng.float() * Math.log(48_000 / 8000)));
}

// Awkward fragments, each a text node's worth; a showcase payload carries all of them.
const NON_BMP = ['😀', '𝔸', '𝄞', '🩺', '💊'] as const;
const CONTROL = ['\u0001', '\u0008', '\u000c', '\u001f', '\u007f'] as const;
const SHOWCASE = [
  'Müller &amp; Söhne GmbH – Größe XL, Maß 3/4',
  'Rücksprache Arzt & Patient (raw ampersand)',
  '<![CDATA[Dosis < 5 mg/kg & "nüchtern" > 2 h]]>',
  'Zitat: "Einnahme zur Mahlzeit" – Patient\'s Wunsch',
  'Tel. +49 (711) 123-45 67, Fax +49 711 765',
  'Notiz `vertraulich` \\\\server\\ArzTi\\export',
  'Spalte1\tSpalte2\tSpalte3',
  'Zeile eins\r\nZeile zwei\nZeile drei\rEnde',
  'Steuerzeichen:\u0001\u001f\u007f.',
  'Emoji 😀 Mathe 𝔸 Note 𝄞 – U+2028:\u2028 U+2029:\u2029',
  'Preis: 12,50 € ≈ 12.50 EUR; ½ Tablette; µg; ©®™',
] as const;

export function prescriptionXml(prng: Prng, ctx: XmlContext, targetChars: number): string {
  const nl = prng.chance(0.05) ? '' : prng.chance(0.25) ? '\r\n' : '\n';
  const ind = nl === '' ? '' : prng.chance(0.2) ? '\t' : '  ';
  const parts: string[] = [];
  let size = 0;
  const add = (text: string) => {
    parts.push(text);
    size += text.length;
  };
  const surname = prng.pick(SURNAMES);
  const firstName = prng.pick(FIRST_NAMES);
  const [plz, town] = prng.pick(TOWNS);
  const insurer = prng.pick(INSURERS);

  add(`<?xml version="1.0" encoding="UTF-8"?>${nl}`);
  add(openRoot(ctx) + nl);
  add(`${ind}<rezeptUuid>${ctx.uuid}</rezeptUuid>${nl}`);
  add(`${ind}<apotheke ik="${ctx.apoIkNr}"><name>${ctx.pharmacyName}</name></apotheke>${nl}`);
  add(
    `${ind}<versicherter status="1000001" geburtsdatum="19${prng.int(30, 99)}-0${prng.int(1, 9)}-1${prng.int(0, 9)}">` +
      `<name>${surname}</name><vorname>${firstName}</vorname>` +
      `<anschrift plz="${plz}" ort="${town}"/><kasse>${insurer}</kasse></versicherter>${nl}`,
  );
  add(`${ind}<verordnung datum="${ctx.issued}" arztNr="${prng.int(100_000_000, 999_999_999)}">${nl}`);
  const extras = ctx.showcase ? [...SHOWCASE] : pickExtras(prng);
  for (const text of extras) add(`${ind}${ind}<hinweis>${text}</hinweis>${nl}`);
  // Positions fill the payload up to its target size; the closing tags are short.
  let nr = 1;
  do {
    add(position(prng, ctx.type, nr, ind + ind, nl));
    nr += 1;
  } while (size < targetChars);
  add(`${ind}</verordnung>${nl}${closeRoot(ctx.type)}`);
  return parts.join('');
}

function openRoot(ctx: XmlContext): string {
  switch (ctx.type) {
    case 'emuster16':
      return `<eMuster16 xmlns="urn:gfal:arzti:emuster16:1.3" id="${ctx.headId}" muster16Id="${ctx.businessKey}">`;
    case 'prezept':
      return `<pRezept xmlns="urn:gfal:arzti:prezept:2.1" id="${ctx.headId}" transaktionsNummer="${ctx.businessKey}">`;
    case 'erezept':
      return (
        `<Bundle xmlns="http://hl7.org/fhir" id="${ctx.headId}"><identifier>` +
        `<system value="https://gematik.de/fhir/erp/NamingSystem/GEM_ERP_NS_PrescriptionId"/>` +
        `<value value="${ctx.businessKey}"/></identifier>`
      );
  }
}

function closeRoot(type: PrescriptionType): string {
  return type === 'emuster16' ? '</eMuster16>' : type === 'prezept' ? '</pRezept>' : '</Bundle>';
}

function pickExtras(prng: Prng): string[] {
  const out: string[] = [];
  if (prng.chance(0.3)) out.push('Müller &amp; Söhne – Größe M');
  if (prng.chance(0.05)) out.push('Rücksprache Arzt & Patient');
  if (prng.chance(0.1)) out.push('<![CDATA[Dosis < 5 mg & "nüchtern"]]>');
  if (prng.chance(0.08)) out.push('Dosis &lt; 5 mg &gt; 2 h');
  if (prng.chance(0.3)) out.push(`Zitat: "${prng.pick(DOSAGES)}" – Patient's Wunsch`);
  if (prng.chance(0.2)) out.push(`Tel. +49 ${prng.int(30, 999)} ${prng.int(100_000, 9_999_999)}`);
  if (prng.chance(0.03)) out.push('Notiz `intern` C:\\ArzTi\\export');
  if (prng.chance(0.05)) out.push('a\tb\tc');
  if (prng.chance(0.03)) out.push(`Freitext${'\r\n'}zweite Zeile`);
  if (prng.chance(0.005)) out.push(`Steuerzeichen:${prng.pick(CONTROL)}`);
  if (prng.chance(0.03)) out.push(`Patient schickt ${prng.pick(NON_BMP)} Grüße`);
  if (prng.chance(0.005)) out.push('Trenner\u2028Absatz\u2029');
  return out;
}

function position(prng: Prng, type: PrescriptionType, nr: number, ind: string, nl: string): string {
  const pzn = String(prng.int(1_000_000, 19_999_999)).padStart(8, '0');
  const taxe = `${prng.int(1, 480)}.${String(prng.int(0, 99)).padStart(2, '0')}`;
  const drug = prng.pick(DRUGS);
  const note = prng.chance(0.25) ? `<hinweis>${prng.pick(NOTES)}</hinweis>` : '';
  if (type === 'erezept') {
    return (
      `${ind}<entry><fullUrl value="urn:uuid:${nr}"/><resource><Medication><code><coding>` +
      `<system value="http://fhir.de/CodeSystem/ifa/pzn"/><code value="${pzn}"/>` +
      `<display value="${drug}"/></coding></code><amount>${taxe}</amount>` +
      `<dosage>${prng.pick(DOSAGES)}</dosage>${note}</Medication></resource></entry>${nl}`
    );
  }
  const tag = type === 'prezept' ? 'pwirkstoff' : 'artikel';
  return (
    `${ind}<${tag} nr="${nr}" pzn="${pzn}" faktor="${prng.int(1, 3) * 1000}" taxe="${taxe}" autIdem="${prng.int(0, 1)}">` +
    `<name>${drug}</name><dosierung>${prng.pick(DOSAGES)}</dosierung>${note}</${tag}>${nl}`
  );
}
