// Swashbuckle's UseSwagger/UseSwaggerUI in Development (CONTRACT §2.12, Q27): answered before
// authentication and the tenant middleware. The documents are a reduced rendition (info + paths),
// not Swashbuckle's full output; the UI's static assets are not emulated (they fall through → 404).
import type { EmulatorRequest } from '../emulator-request.js';
import type { Outcome } from '../outcome.js';

interface OperationSpec {
  readonly path: string;
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly tag: string;
}

const V2_OPERATIONS: readonly OperationSpec[] = [
  { path: '/api/Apotheken', method: 'get', tag: 'Apotheken' },
  { path: '/api/Apotheken', method: 'post', tag: 'Apotheken' },
  { path: '/api/Apotheken/{id}', method: 'get', tag: 'Apotheken' },
  { path: '/api/Apotheken/{id}', method: 'put', tag: 'Apotheken' },
  { path: '/api/Apotheken/{id}', method: 'delete', tag: 'Apotheken' },
  { path: '/api/Apotheken/by-ik/{ikNr}', method: 'get', tag: 'Apotheken' },
  { path: '/api/Health/arzsw', method: 'get', tag: 'Health' },
  { path: '/v2/rezept', method: 'get', tag: 'PrescriptionsV2' },
  { path: '/v2/rezept/status', method: 'get', tag: 'PrescriptionsV2' },
  { path: '/v2/rezept/status', method: 'patch', tag: 'PrescriptionsV2' },
  { path: '/v2/rezept/statusuuid', method: 'patch', tag: 'PrescriptionsV2' },
];

const V1_OPERATIONS: readonly OperationSpec[] = ['/api/Prescriptions', '/api/v1/Prescriptions'].flatMap(
  (p) => [
    { path: `${p}/new`, method: 'get', tag: 'Prescriptions' } as const,
    { path: `${p}/mark-as-read`, method: 'post', tag: 'Prescriptions' } as const,
    { path: `${p}/set-abgerechnet`, method: 'post', tag: 'Prescriptions' } as const,
  ],
);

const DOCUMENTS: Readonly<
  Record<string, { title: string; description: string; ops: readonly OperationSpec[] }>
> = {
  v1: {
    title: 'ArzTi3 Prescription Mediation API',
    description: 'Legacy API for ARZ prescription insurance mediation system - Will be deprecated',
    ops: V1_OPERATIONS,
  },
  v2: {
    title: 'ARZ_TI 2.0 API',
    description: 'High-performance ARZ prescription mediation API with enhanced features and bulk operations',
    ops: V2_OPERATIONS,
  },
};

function swaggerDocument(name: string): string {
  const doc = DOCUMENTS[name] as (typeof DOCUMENTS)[string];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of doc.ops) {
    (paths[op.path] ??= {})[op.method] = {
      tags: [op.tag],
      responses: { '200': { description: 'OK' } },
      ...(op.tag === 'Health' ? {} : { security: [{ basic: [] }] }),
    };
  }
  return JSON.stringify(
    {
      openapi: '3.0.1',
      info: { title: doc.title, description: doc.description, version: name },
      paths,
      components: {
        securitySchemes: {
          basic: {
            type: 'http',
            description: 'Basic Authorization header using the Bearer scheme.',
            scheme: 'basic',
          },
        },
      },
      security: [{ basic: [] }],
    },
    null,
    2,
  );
}

const INDEX_HTML =
  '<!-- HTML for static distribution bundle build -->\n<!DOCTYPE html>\n<html lang="en">\n<head>\n' +
  '    <meta charset="UTF-8">\n    <title>Swagger UI</title>\n' +
  '    <link rel="stylesheet" type="text/css" href="./swagger-ui.css">\n</head>\n<body>\n' +
  '    <div id="swagger-ui"></div>\n    <script src="./swagger-ui-bundle.js" charset="UTF-8"> </script>\n' +
  '    <script src="./swagger-ui-standalone-preset.js" charset="UTF-8"> </script>\n</body>\n</html>\n';

/** The Swagger answer for a Development request, or null when Swashbuckle would pass it on. */
export function swaggerOutcome(request: EmulatorRequest): Outcome | null {
  const path = request.path;
  if (path === null || request.method !== 'GET') return null;
  if (/^\/?swagger\/?$/i.test(path)) {
    const location = path === '' || path.endsWith('/') ? 'index.html' : `${path.split('/').pop()}/index.html`;
    return { kind: 'raw', status: 301, contentType: null, body: '', headers: { Location: location } };
  }
  if (/^\/swagger\/?index\.html$/i.test(path)) {
    return { kind: 'raw', status: 200, contentType: 'text/html;charset=utf-8', body: INDEX_HTML };
  }
  const doc = /^\/swagger\/([^/]+)\/swagger\.json$/i.exec(path);
  if (doc) {
    const name = doc[1] as string;
    if (!(name in DOCUMENTS)) return { kind: 'raw', status: 404, contentType: null, body: '' };
    return {
      kind: 'raw',
      status: 200,
      contentType: 'application/json;charset=utf-8',
      body: swaggerDocument(name),
    };
  }
  return null;
}
