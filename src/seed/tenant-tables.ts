// The tenant (ApoTi) tables the generator fills and the columns it writes, in one place so that the
// row generator and every writer agree on column order. Unlisted columns keep their DDL defaults.

export type SqlValue = string | number | boolean | null;
export type Row = SqlValue[];

export interface TableSpec {
  name: string;
  columns: readonly string[];
}

export const PRESCRIPTION_TYPES = ['emuster16', 'prezept', 'erezept'] as const;
export type PrescriptionType = (typeof PRESCRIPTION_TYPES)[number];

/** The value the API prints as `type`. */
export const TYPE_LABEL: Record<PrescriptionType, string> = {
  emuster16: 'eMuster16',
  prezept: 'P-Rezept',
  erezept: 'E-Rezept',
};

export const APOTHEKE: TableSpec = {
  name: 'er_apotheke',
  columns: [
    'id_apotheke',
    'apotheke_name',
    'apotheke_name_zusatz',
    'apo_ik_nr',
    'inhaber_vorname',
    'inhaber_nachname',
    'apo_int_nr',
    'plz',
    'ort',
    'strasse',
    'email',
    'telefon',
    'mobil',
    'fax',
    'bemerkung',
    'bundesland',
    'mandant_type',
    'id_hauptapotheke',
    'filialapotheke',
    'gesperrt',
    'aen_datum',
    'aen_zeit',
  ],
};

export const HEADER: TableSpec = {
  name: 'er_senderezepte_header',
  columns: [
    'id_senderezepte_header',
    'apo_int_nr',
    'apo_ik_nr',
    'software_hersteller',
    'software_name',
    'software_version',
    'testdaten',
    'rz_liefer_id',
    'rz_liefer_datum',
    'rz_liefer_zeit',
    'avs_sende_id',
    'rezept_status',
    'rezept_check',
    'rez_typ',
    'reztyp_erez',
    'reztyp_em16',
    'reztyp_prez',
    'import_typ',
  ],
};

const HEAD_COLUMNS: Record<PrescriptionType, readonly string[]> = {
  emuster16: [
    'id_senderezepte_emuster16',
    'id_senderezepte_header',
    'rz_liefer_id',
    'rz_datum',
    'rz_liefer_datum',
    'rz_liefer_zeit',
    'avs_id',
    'abrechnungs_periode',
    'rezept_typ',
    'muster16_id',
    'abda_kassentyp',
    'apo_ik_nr',
    'kk_typ',
    'gesamtes_brutto',
    'zuzahlung',
    'abgabedatum',
    'betriebsstaetten_nr',
    'arzt_nr',
    'verordnungsdatum',
    'kk_ik_nr',
    'versicherten_nummer',
    'versicherten_status',
    'kk_name',
    'versicherten_name',
    'versicherten_vorname',
    'versicherten_plz',
    'versicherten_ort',
    'versicherten_geburtsdatum',
    'kz_noctu',
    'bediener',
    'arbeitsplatz',
  ],
  prezept: [
    'id_senderezepte_prezept',
    'id_senderezepte_header',
    'rz_liefer_id',
    'rz_datum',
    'rz_liefer_datum',
    'rz_liefer_zeit',
    'avs_id',
    'abrechnungs_periode',
    'rezept_typ',
    'transaktions_nummer',
    'apo_ik_nr',
    'gesamtes_brutto',
    'zuzahlung',
    'ppos1_pzn',
    'ppos1_faktor',
    'ppos1_taxe',
    'abgabedatum',
    'erstellungs_zeitpunkt',
    'hash_code',
    'arzt_nr',
    'verordnungsdatum',
    'kk_ik_nr',
    'kk_name',
    'bediener',
  ],
  erezept: [
    'id_senderezepte_erezept',
    'id_senderezepte_header',
    'rz_liefer_id',
    'rz_datum',
    'rz_liefer_datum',
    'rz_liefer_zeit',
    'avs_id',
    'abrechnungs_periode',
    'apo_ik_nr',
    'erezept_id',
    'erezept_data',
  ],
};

/** The status column that repeats the head's business key. */
export const STATUS_KEY_COLUMN: Record<PrescriptionType, string> = {
  emuster16: 'muster16_id',
  prezept: 'transaktions_nummer',
  erezept: 'erezept_id',
};

export interface TypeTables {
  head: TableSpec;
  daten: TableSpec;
  status: TableSpec;
}

export function typeTables(type: PrescriptionType): TypeTables {
  const head = `er_senderezepte_${type}`;
  const fk = `id_senderezepte_${type}`;
  return {
    head: { name: head, columns: HEAD_COLUMNS[type] },
    daten: {
      name: `${head}_daten`,
      columns: [`id_senderezepte_${type}_daten`, fk, 'rezept_uuid', 'transfer_arz', 'xml_request'],
    },
    status: {
      name: `${head}_status`,
      columns: [
        `id_senderezepte_${type}_status`,
        fk,
        STATUS_KEY_COLUMN[type],
        'rezept_status',
        'rezept_check',
        'status_abfrage_datum',
        'status_abfrage_zeit',
        'abrechen_status',
        'rz_abfrage_id',
        ...(type === 'erezept' ? ['rezept_check_level'] : []),
      ],
    },
  };
}
