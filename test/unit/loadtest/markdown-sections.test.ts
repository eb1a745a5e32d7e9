// BENCHMARKS.md updates: one subsection of one section replaced, everything else byte-identical.
import { describe, expect, it } from 'vitest';
import { upsertSubsection } from '../../../loadtest/lib/markdown-sections.js';

const DOC = `# Benchmarks

Intro.

## Pass-through overhead

Keep me.

### Result

| a |
|---|
`;

describe('upsertSubsection', () => {
  it('appends a new section with its intro and subsection, leaving the rest unchanged', () => {
    const out = upsertSubsection(DOC, 'Side by side', 'How it works.', 'Quick run', 'table 1');
    expect(out.startsWith(DOC.trimEnd())).toBe(true);
    expect(out.endsWith('## Side by side\n\nHow it works.\n\n### Quick run\n\ntable 1\n')).toBe(true);
  });

  it('replaces only the named subsection and rewrites the intro', () => {
    let out = upsertSubsection(DOC, 'Side by side', 'Intro v1.', 'Quick run', 'quick 1');
    out = upsertSubsection(out, 'Side by side', 'Intro v1.', 'Full run, 1m prescriptions', 'full 1');
    out = upsertSubsection(out, 'Freshness under load', 'F.', 'Quick run', 'fresh 1');
    out = upsertSubsection(out, 'Side by side', 'Intro v2.', 'Quick run', 'quick 2\n\nmore');
    expect(out).toContain('## Pass-through overhead\n\nKeep me.\n\n### Result\n\n| a |\n|---|\n');
    expect(out).toContain(
      '## Side by side\n\nIntro v2.\n\n### Quick run\n\nquick 2\n\nmore\n\n### Full run, 1m prescriptions\n\nfull 1\n',
    );
    expect(out).toContain('## Freshness under load\n\nF.\n\n### Quick run\n\nfresh 1\n');
    expect(out).not.toContain('quick 1');
    expect(out.match(/## Side by side/g)).toHaveLength(1);
  });

  it('keeps sections that follow the updated one', () => {
    const doc = `${DOC}\n## Side by side\n\nold intro\n\n### Quick run\n\nold\n\n## Later\n\nstays\n`;
    const out = upsertSubsection(doc, 'Side by side', 'new intro', 'Quick run', 'new');
    expect(out).toContain('## Side by side\n\nnew intro\n\n### Quick run\n\nnew\n\n## Later\n\nstays\n');
  });

  it('is idempotent', () => {
    const once = upsertSubsection(DOC, 'S', 'i', 'T', 'b');
    expect(upsertSubsection(once, 'S', 'i', 'T', 'b')).toBe(once);
  });
});
