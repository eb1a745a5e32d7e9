// npgsql-connection-string: every Npgsql 8.0.8 keyword and synonym, .NET quoting/white-space rules,
// errors that never leak the password, the pg mapping, redaction, and a fuzz run.
import { describe, expect, it } from 'vitest';
import { isEdgeError } from '../../../src/errors.js';
import { tokenize } from '../../../src/core/db-connection-string-syntax.js';
import {
  parseDatabaseLocator,
  parseNpgsqlConnectionString,
  redactConnectionString,
  toPgPoolConfig,
  type NpgsqlSettings,
} from '../../../src/core/npgsql-connection-string.js';

const parse = parseNpgsqlConnectionString;

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    expect(isEdgeError(err, 'EDGE_AUTH_CONNECTION_STRING')).toBe(true);
    return err as Error;
  }
  throw new Error('expected an EdgeError');
}

// From NpgsqlConnectionStringBuilder.cs at tag v8.0.8: [DisplayName], property name and aliases of
// every [NpgsqlConnectionStringProperty], with a valid sample value and the value it parses to.
const KEYWORDS: [string, string[], string, unknown][] = [
  ['Host', ['Server'], 'db.example', 'db.example'],
  ['Port', [], '6543', 6543],
  ['Database', ['DB'], 'arzsw_db', 'arzsw_db'],
  ['Username', ['User Name', 'UserId', 'User Id', 'UID'], 'apoti', 'apoti'],
  ['Password', ['PSW', 'PWD'], 'pw', 'pw'],
  ['Passfile', [], '/p', '/p'],
  ['Application Name', ['ApplicationName'], 'edge', 'edge'],
  ['Enlist', [], 'false', false],
  ['Search Path', ['SearchPath'], 'a,b', 'a,b'],
  ['Client Encoding', ['ClientEncoding'], 'UTF8', 'UTF8'],
  ['Encoding', [], 'LATIN1', 'LATIN1'],
  ['Timezone', [], 'UTC', 'UTC'],
  ['SSL Mode', ['SslMode'], 'require', 'Require'],
  ['SSL Certificate', ['SslCertificate'], '/c', '/c'],
  ['SSL Key', ['SslKey'], '/k', '/k'],
  ['SSL Password', ['SslPassword'], 'kp', undefined],
  ['Root Certificate', ['RootCertificate'], '/r', '/r'],
  ['Check Certificate Revocation', ['CheckCertificateRevocation'], 'true', true],
  ['Kerberos Service Name', ['KerberosServiceName', 'Krbsrvname'], 'pg', 'pg'],
  ['Include Realm', ['IncludeRealm'], 'true', true],
  ['Persist Security Info', ['PersistSecurityInfo'], 'true', true],
  ['Log Parameters', ['LogParameters'], 'true', true],
  ['Include Error Detail', ['IncludeErrorDetail'], 'true', true],
  ['Channel Binding', ['ChannelBinding'], 'disable', 'Disable'],
  ['Pooling', [], 'false', false],
  ['Minimum Pool Size', ['MinPoolSize'], '0', 0],
  ['Maximum Pool Size', ['MaxPoolSize'], '50', 50],
  ['Connection Idle Lifetime', ['ConnectionIdleLifetime'], '60', 60],
  ['Connection Pruning Interval', ['ConnectionPruningInterval'], '5', 5],
  ['Connection Lifetime', ['ConnectionLifetime', 'Load Balance Timeout'], '600', 600],
  ['Timeout', [], '20', 20],
  ['Command Timeout', ['CommandTimeout'], '45', 45],
  ['Cancellation Timeout', ['CancellationTimeout'], '-1', -1],
  ['Target Session Attributes', ['TargetSessionAttributes'], 'any', 'any'],
  ['Load Balance Hosts', ['LoadBalanceHosts'], 'true', true],
  ['Host Recheck Seconds', ['HostRecheckSeconds'], '3', 3],
  ['Keepalive', [], '30', 30],
  ['TCP Keepalive', ['TcpKeepalive'], 'true', true],
  ['TCP Keepalive Time', ['TcpKeepaliveTime'], '40', 40],
  ['TCP Keepalive Interval', ['TcpKeepaliveInterval'], '5', 5],
  ['Read Buffer Size', ['ReadBufferSize'], '16384', 16384],
  ['Write Buffer Size', ['WriteBufferSize'], '16384', 16384],
  ['Socket Receive Buffer Size', ['SocketReceiveBufferSize'], '1024', 1024],
  ['Socket Send Buffer Size', ['SocketSendBufferSize'], '1024', 1024],
  ['Max Auto Prepare', ['MaxAutoPrepare'], '10', 10],
  ['Auto Prepare Min Usages', ['AutoPrepareMinUsages'], '2', 2],
  ['No Reset On Close', ['NoResetOnClose'], 'true', true],
  ['Load Table Composites', ['LoadTableComposites'], 'true', true],
  ['Replication Mode', ['ReplicationMode'], 'logical', 'Logical'],
  ['Options', [], '-c jit=off', '-c jit=off'],
  ['Array Nullability Mode', ['ArrayNullabilityMode'], 'PerInstance', 'PerInstance'],
  ['Multiplexing', [], 'true', true],
  ['Write Coalescing Buffer Threshold Bytes', ['WriteCoalescingBufferThresholdBytes'], '500', 500],
  ['Server Compatibility Mode', ['ServerCompatibilityMode'], 'NoTypeLoading', 'NoTypeLoading'],
  ['Trust Server Certificate', ['TrustServerCertificate'], 'true', true],
  ['Internal Command Timeout', ['InternalCommandTimeout'], '0', 0],
];

const TYPED_FIELD: Record<string, keyof NpgsqlSettings> = {
  Host: 'host',
  Port: 'port',
  Database: 'database',
  Username: 'username',
  Password: 'password',
  Passfile: 'passfile',
  'Application Name': 'applicationName',
  'Search Path': 'searchPath',
  Encoding: 'encoding',
  Timezone: 'timezone',
  'SSL Mode': 'sslMode',
  'SSL Certificate': 'sslCertificate',
  'Root Certificate': 'rootCertificate',
  'Include Error Detail': 'includeErrorDetail',
  Pooling: 'pooling',
  'Minimum Pool Size': 'minPoolSize',
  'Maximum Pool Size': 'maxPoolSize',
  'Connection Idle Lifetime': 'connectionIdleLifetimeSeconds',
  'Connection Lifetime': 'connectionLifetimeSeconds',
  Timeout: 'timeoutSeconds',
  'Command Timeout': 'commandTimeoutSeconds',
  Keepalive: 'keepAliveSeconds',
  'TCP Keepalive': 'tcpKeepAlive',
  'TCP Keepalive Time': 'tcpKeepAliveTimeSeconds',
  Options: 'options',
  'Trust Server Certificate': 'trustServerCertificate',
};

const valueOf = (settings: NpgsqlSettings, name: string): unknown =>
  TYPED_FIELD[name] !== undefined ? settings[TYPED_FIELD[name]] : settings.other[name];

describe('parseNpgsqlConnectionString', () => {
  it('parses the connection string shape of CONTRACT §4.4', () => {
    const s = parse(
      'Username=postgres;Password=secret;Server=desktopf;Port=54321;Database=arzsw_db;Pooling=true;',
    );
    expect(s).toMatchObject({
      host: 'desktopf',
      port: 54321,
      hosts: [{ host: 'desktopf', port: 54321 }],
      database: 'arzsw_db',
      username: 'postgres',
      password: 'secret',
      pooling: true,
      maxPoolSize: 100,
      minPoolSize: 0,
      timeoutSeconds: 15,
      commandTimeoutSeconds: 30,
      connectionIdleLifetimeSeconds: 300,
      sslMode: 'Prefer',
      encoding: 'UTF8',
      other: {},
    });
  });

  const variants = KEYWORDS.flatMap(([name, synonyms, sample, parsed]) =>
    [name, ...synonyms].flatMap((key) => [
      [name, key, sample, parsed],
      [name, key.toLowerCase(), sample, parsed],
      [name, key.toUpperCase(), sample, parsed],
    ]),
  ) as [string, string, string, unknown][];

  it.each(variants)('%s: accepts the keyword %j', (name, key, sample, parsed) => {
    const settings = parse(name === 'Host' ? `${key}=${sample}` : `Host=h;${key}=${sample}`);
    expect(valueOf(settings, name)).toEqual(parsed);
  });

  it.each(['User', 'MinimumPoolSize', 'MaximumPoolSize', 'User  Name', 'Hostname', 'SSL_Mode', 'Pass word'])(
    'rejects %j, which Npgsql 8 does not know',
    (key) => {
      expect(errorOf(() => parse(`Host=h;${key}=x`)).message).toMatch(/unknown keyword/);
    },
  );

  it('keeps SSL Password out of `other`', () => {
    expect(parse('Host=h;SSL Password=kp;Enlist=false').other).toEqual({ Enlist: false });
  });

  it('trims keys and unquoted values but keeps inner white space', () => {
    const s = parse('  Host = db ;\tApplication Name =  my  app  ; Port =\t5433 ;');
    expect([s.host, s.applicationName, s.port]).toEqual(['db', 'my  app', 5433]);
  });

  it('handles quoted values: ; = inside, doubled quotes, kept white space, empty', () => {
    expect(parse("Host=h;Password='a;b=c'").password).toBe('a;b=c');
    expect(parse('Host=h;Password="x""y"').password).toBe('x"y');
    expect(parse("Host=h;Password='it''s'").password).toBe("it's");
    expect(parse('Host=h;Password="a\'b"').password).toBe("a'b");
    expect(parse("Host=h;Password='  spaced  '  ;").password).toBe('  spaced  ');
    expect(parse('Host=h;Password=""').password).toBe('');
    expect(parse("Host=h;Port=' +5433 '").port).toBe(5433);
  });

  it('lets a later duplicate win and resets a keyword given without a value', () => {
    expect(parse('Host=a;Server=b').host).toBe('b');
    expect(parse('Host=h;Port=1;PORT=2').port).toBe(2);
    expect(parse('Host=h;Port=6000;Port=').port).toBe(5432);
    expect(parse('Host=h;Password=x;Password=;').password).toBeNull();
  });

  it('ignores empty pairs and a trailing separator', () => {
    expect(parse(';;Host=h;;;Port=5433;;').port).toBe(5433);
  });

  it('reads ints, bools and enums like .NET', () => {
    expect(parse('Host=h;Pooling=TRUE').pooling).toBe(true);
    expect(parse("Host=h;Pooling=' False '").pooling).toBe(false);
    expect(parse('Host=h;SSL Mode=verifyfull').sslMode).toBe('VerifyFull');
    expect(parse('Host=h;SslMode=3').sslMode).toBe('Require');
    expect(parse('Host=h;Port=+0005433').port).toBe(5433);
    expect(parse('Host=h;Internal Command Timeout=3').other['Internal Command Timeout']).toBe(3);
  });

  it('splits host lists and host:port like Npgsql', () => {
    expect(parse('Host=a, b:5433 ;Port=5434')).toMatchObject({
      host: 'a',
      port: 5434,
      hosts: [
        { host: 'a', port: 5434 },
        { host: 'b', port: 5433 },
      ],
    });
    expect(parse('Host=db:6432').hosts).toEqual([{ host: 'db', port: 6432 }]);
    expect(parse('Host=[::1]:5433').hosts).toEqual([{ host: '[::1]', port: 5433 }]);
    expect(parse('Host=::1').hosts).toEqual([{ host: '::1', port: 5432 }]);
    expect(parse('Host=/var/run/postgresql').hosts).toEqual([{ host: '/var/run/postgresql', port: 5432 }]);
  });

  it('applies the checks Npgsql makes when opening', () => {
    expect(parse('Host=h;Minimum Pool Size=10;Maximum Pool Size=5;Pooling=false').maxPoolSize).toBe(5);
    for (const bad of [
      'Port=5432',
      "Host='  '",
      'Host=a,,b',
      'Host=h;Minimum Pool Size=10;Maximum Pool Size=5',
      'Host=h;Connection Idle Lifetime=5',
      'Host=h;Connection Pruning Interval=0',
      'Host=h;Multiplexing=true;Pooling=false',
      'Host=h:x',
      'Host=h:0',
    ]) {
      errorOf(() => parse(bad));
    }
  });

  const PASSWORD = 'S3cr3t-pw';
  it.each([
    [`Host=h;Password=${PASSWORD};Port`, /character 27: keyword without '='/],
    [`Host=h;Password='${PASSWORD}`, /character 8: unterminated quoted value/],
    [`Host=h;Password='${PASSWORD}'x`, /text after a closing quote/],
    [`Host=h;Password=${PASSWORD}'`, /unquoted value ends with a quote/],
    [`Host=h;Password=${PASSWORD};=x`, /empty keyword/],
    [`Host=h;Password=${PASSWORD};Port=abc`, /'Port' at character 32: expected an integer from 1 to/],
    [`Host=h;Password=${PASSWORD};Port=0`, /'Port'/],
    [`Host=h;Password=${PASSWORD};Port=99999999999`, /'Port'/],
    [`Host=h;Password=${PASSWORD};Pooling=yes`, /'Pooling' .*true or false/],
    [`Host=h;Password=${PASSWORD};SSL Mode=Bogus`, /one of Disable, Allow, Prefer/],
    [`Host=h;Password=${PASSWORD};Timeout=1025`, /'Timeout'.*0 to 1024/],
    [`Host=h;Password=${PASSWORD};Command Timeout=-1`, /'Command Timeout'/],
    [`Host=h;Password=${PASSWORD};Internal Command Timeout=2`, /except 1, 2/],
    [`Host=h;Password=${PASSWORD};Port=1;Colour=blue`, /unknown keyword 'Colour' at character 34/],
    [`Host=h;User=postgres;Password=${PASSWORD}`, /unknown keyword 'User'/],
    [`Host=h;Password=${PASSWORD};User=postgres`, /unknown keyword \(not shown/],
    [`Host=h;Password=${PASSWORD}\x01`, /control character/],
    [`Password=${PASSWORD}`, /no 'Host'/],
  ])('rejects %j with a message that names no value', (s, message) => {
    const err = errorOf(() => parse(s));
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toContain(s);
  });

  it('does not echo pieces of a password that an unquoted ; or a missing = turned into keywords', () => {
    const a = errorOf(() => parse('Host=h;Password=se;cret=1')).message;
    expect(a).toMatch(/unknown keyword \(not shown.*character 20.*must be enclosed in quotes/);
    expect(a).not.toContain('cret');
    const b = errorOf(() => parse('Host=h;Password secret;Port=1')).message;
    expect(b).not.toContain('secret');
    const c = errorOf(() => parse('Host=h;Password=abc;def')).message;
    expect(c).toMatch(/keyword without '='; a value containing/);
    expect(c).not.toContain('def');
  });
});

describe('the .NET syntax layer', () => {
  it('treats == in a key as a literal =, and NUL as the end of the string', () => {
    expect(tokenize('a==b=1').pairs.map((p) => [p.key, p.value])).toEqual([['a=b', '1']]);
    expect(tokenize('a=1\0  ').pairs.map((p) => [p.key, p.value])).toEqual([['a', '1']]);
    expect(tokenize('a=1\0x').error?.reason).toBe('text after a NUL character');
    expect(tokenize("a='x'\0").pairs.map((p) => p.value)).toEqual(['x']);
  });

  it('reports value spans, quotes included', () => {
    const s = "k = 'v;1' ; m= w  ;n=";
    const [k, m, n] = tokenize(s).pairs;
    expect(s.slice(k!.valueStart, k!.valueEnd)).toBe("'v;1'");
    expect(s.slice(m!.valueStart, m!.valueEnd)).toBe('w');
    expect(n!.value).toBeNull();
  });
});

describe('toPgPoolConfig', () => {
  it("maps Npgsql's defaults", () => {
    expect(toPgPoolConfig(parse('Host=db;Username=apoti;Password=pw'))).toEqual({
      host: 'db',
      port: 5432,
      database: 'apoti',
      user: 'apoti',
      password: 'pw',
      max: 100,
      min: 0,
      connectionTimeoutMillis: 15_000,
      idleTimeoutMillis: 300_000,
      statement_timeout: 30_000,
      query_timeout: 30_000,
      ssl: false,
    });
  });

  it('maps timeouts, pool sizes, names, search path, options, keepalive and lifetime', () => {
    const config = toPgPoolConfig(
      parse(
        'Server=[::1];Port=6000;Database=arzsw_db;User Id=u;Timeout=0;Command Timeout=0;' +
          'MaxPoolSize=7;MinPoolSize=2;Connection Idle Lifetime=60;Application Name=arzti-edge;' +
          'Search Path=\'"my schema",public\';Options=-c jit=off;Timezone=Europe/Berlin;Keepalive=30;' +
          'Connection Lifetime=600',
      ),
    );
    expect(config).toEqual({
      host: '::1',
      port: 6000,
      database: 'arzsw_db',
      user: 'u',
      max: 7,
      min: 2,
      connectionTimeoutMillis: 0,
      idleTimeoutMillis: 60_000,
      ssl: false,
      application_name: 'arzti-edge',
      options: '-c jit=off -c search_path="my\\ schema",public -c TimeZone=Europe/Berlin',
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
      maxLifetimeSeconds: 600,
    });
    expect(toPgPoolConfig(parse('Host=h;TCP Keepalive=true')).keepAliveInitialDelayMillis).toBe(0);
  });

  it('maps SSL modes; Trust Server Certificate changes nothing (obsolete in Npgsql 8)', () => {
    const ssl = (mode: string, deps = {}) => toPgPoolConfig(parse(`Host=h;SSL Mode=${mode}`), deps).ssl;
    expect(ssl('Disable')).toBe(false);
    expect(ssl('Allow')).toBe(false);
    expect(ssl('Prefer')).toBe(false);
    expect(ssl('Require')).toEqual({ rejectUnauthorized: false });
    expect(ssl('Require;Trust Server Certificate=false')).toEqual({ rejectUnauthorized: false });
    expect(ssl('VerifyFull')).toEqual({ rejectUnauthorized: true });
    const readTextFile = (path: string) => `PEM of ${path}`;
    expect(ssl('VerifyFull;Root Certificate=/etc/ca.pem', { readTextFile })).toEqual({
      rejectUnauthorized: true,
      ca: 'PEM of /etc/ca.pem',
    });
    const verifyCa = ssl('VerifyCA;Root Certificate=/etc/ca.pem', { readTextFile }) as {
      checkServerIdentity: () => unknown;
    };
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca: 'PEM of /etc/ca.pem' });
    expect(verifyCa.checkServerIdentity()).toBeUndefined();
  });

  it('refuses what the proxy cannot reproduce, loudly', () => {
    errorOf(() => toPgPoolConfig(parse('Host=h;SSL Mode=VerifyFull;Root Certificate=/ca.pem')));
    errorOf(() => toPgPoolConfig(parse('Host=h;SSL Mode=Require;SSL Certificate=/c.pem')));
    errorOf(() => toPgPoolConfig(parse('Host=h;Passfile=/home/x/.pgpass')));
    expect(toPgPoolConfig(parse('Host=h;Passfile=/p;Password=pw')).password).toBe('pw');
  });
});

describe('parseDatabaseLocator', () => {
  it('passes URLs to pg and maps keyword strings', () => {
    expect(parseDatabaseLocator('postgres://u:p@h:5432/db')).toEqual({
      connectionString: 'postgres://u:p@h:5432/db',
    });
    expect(parseDatabaseLocator('postgresql://h/db')).toEqual({ connectionString: 'postgresql://h/db' });
    expect(parseDatabaseLocator('Host=h;Database=d;Username=u')).toMatchObject({
      host: 'h',
      database: 'd',
      user: 'u',
    });
    errorOf(() => parseDatabaseLocator('not a locator'));
  });
});

describe('redactConnectionString', () => {
  it.each([
    ['Username=postgres;Password=secret;Server=desktopf;', 'Username=postgres;Password=***;Server=desktopf;'],
    ['Host=h;PWD = secret ;Port=1', 'Host=h;PWD = *** ;Port=1'],
    ['Host=h;psw=secret', 'Host=h;psw=***'],
    ["Host=h;Password='se;cr=et';Port=1", 'Host=h;Password=***;Port=1'],
    ['Host=h;Password="a""b"', 'Host=h;Password=***'],
    ['Host=h;Password=se;cret=x;Port=1', 'Host=h;Password=***;***;Port=1'],
    ['Host=h;SSL Password=kp', 'Host=h;SSL Password=***'],
    ['Host=h;Pasword=typo', 'Host=h;Pasword=***'],
    ['Host=h;Password=;Port=1', 'Host=h;Password=;Port=1'],
    ["Host=h;Password='unterminated;Port=1", 'Host=h;***'],
    ['Host=h;Password=abc;def', 'Host=h;Password=***;***'],
    ['Host=h;Port=5432', 'Host=h;Port=5432'],
    ['postgres://u:secret@h:5432/db', 'postgres://u:***@h:5432/db'],
    ['postgresql://u:p/a?s#s@s@h/db?sslmode=require', 'postgresql://u:***@h/db?sslmode=require'],
    ['postgres://h/db?user=u&password=secret&x=1', 'postgres://h/db?user=u&password=***&x=1'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
    ['postgres://h:5432/db', 'postgres://h:5432/db'],
  ])('%j -> %j', (input, redacted) => {
    expect(redactConnectionString(input)).toBe(redacted);
  });
});

describe('fuzzing', () => {
  const seeded = (seed: number) => () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (seed ^ (seed >>> 13)) / 0x100000000;
  };

  it('never throws anything but EDGE_AUTH_CONNECTION_STRING, and never leaks the password', () => {
    const random = seeded(2025);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const pieces = [
      ';',
      '=',
      '==',
      "'",
      '"',
      ' ',
      '\t',
      '\0',
      '\x01',
      '\x85',
      ',',
      ':',
      '[',
      ']',
      'Host',
      'Port',
      'Password',
      'PWD',
      'SSL Mode',
      'Pooling',
      'x',
      '5432',
      'true',
      'Require',
      'ü',
      '\ud800',
      '-',
      '+',
      '9',
    ];
    for (let n = 0; n < 3000; n++) {
      const secret = `Zq7${Math.floor(random() * 1e9)}`;
      let s = '';
      for (let i = Math.floor(random() * 14); i > 0; i--) s += pick(pieces);
      if (random() < 0.7)
        s += `;${pick(['Password', 'PWD', 'psw'])}=${random() < 0.5 ? secret : `'${secret}'`}`;
      for (let i = Math.floor(random() * 6); i > 0; i--) s += pick(pieces);
      try {
        parse(s);
      } catch (err) {
        expect(isEdgeError(err, 'EDGE_AUTH_CONNECTION_STRING')).toBe(true);
        expect((err as Error).message).not.toContain(secret);
      }
      const redacted = redactConnectionString(s);
      expect(typeof redacted).toBe('string');
    }
  });

  it('redacts the password from well-formed strings with arbitrary neighbours', () => {
    const random = seeded(99);
    const pairs = ['Host=h', 'Port=5432', "Database='a;b'", 'Username=u', 'Pooling=true', 'Unknown=1', 'x'];
    for (let n = 0; n < 1000; n++) {
      const secret = `Zq7${Math.floor(random() * 1e9)}${random() < 0.3 ? ';tail' : ''}`;
      const quoted = secret.includes(';') || random() < 0.3 ? `"${secret}"` : secret;
      const parts = Array.from(
        { length: Math.floor(random() * 5) },
        () => pairs[Math.floor(random() * pairs.length)]!,
      );
      parts.splice(Math.floor(random() * (parts.length + 1)), 0, `Password=${quoted}`);
      const redacted = redactConnectionString(parts.join(';'));
      expect(redacted).not.toContain(secret.split(';')[0]);
    }
  });
});
