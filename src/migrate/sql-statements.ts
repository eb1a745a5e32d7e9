// Splits a PostgreSQL script into single statements (for drivers that take one statement per call
// and for migrations that must run statement by statement). Knows quotes, comments and dollar quoting;
// it does not parse SQL otherwise.

/** Returns the statements of `script` without their terminating `;`, comments kept, blanks dropped. */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const n = script.length;
  const push = (end: number) => {
    const text = script.slice(start, end).trim();
    if (text !== '' && !isOnlyComments(text)) statements.push(text);
  };
  while (i < n) {
    const ch = script[i];
    const next = script[i + 1];
    if (ch === '-' && next === '-') {
      const eol = script.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
    } else if (ch === '/' && next === '*') {
      i = skipBlockComment(script, i);
    } else if (ch === "'") {
      const escapes = i > 0 && /[eE]/.test(script[i - 1] ?? '') && !/\w/.test(script[i - 2] ?? '');
      i = skipQuoted(script, i, "'", escapes);
    } else if (ch === '"') {
      i = skipQuoted(script, i, '"', false);
    } else if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(script.slice(i, i + 64));
      const prev = script[i - 1] ?? '';
      if (tag && !/[\w$]/.test(prev)) {
        const close = script.indexOf(tag[0], i + tag[0].length);
        if (close === -1) throw new Error(`unterminated dollar quote ${tag[0]}`);
        i = close + tag[0].length;
      } else {
        i += 1;
      }
    } else if (ch === ';') {
      push(i);
      i += 1;
      start = i;
    } else {
      i += 1;
    }
  }
  push(n);
  return statements;
}

function skipBlockComment(s: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < s.length) {
    if (s[i] === '/' && s[i + 1] === '*') {
      depth += 1;
      i += 2;
    } else if (s[i] === '*' && s[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  throw new Error('unterminated block comment');
}

function skipQuoted(s: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < s.length) {
    const ch = s[i];
    if (backslashEscapes && ch === '\\') {
      i += 2;
    } else if (ch === quote) {
      if (s[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  throw new Error(`unterminated ${quote === "'" ? 'string literal' : 'quoted identifier'}`);
}

function isOnlyComments(text: string): boolean {
  return (
    text
      .replace(/--[^\n]*(\n|$)/g, '')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .trim() === ''
  );
}
