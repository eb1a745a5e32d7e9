// Replaces one `### ` subsection inside one `## ` section of a Markdown document (BENCHMARKS.md), creating
// the section or subsection when absent, and rewriting the section's intro (the text before its first
// `### `). Every other section and every other subsection stays byte-identical. Pure.

interface Span {
  readonly start: number;
  readonly end: number;
}

function findSection(
  lines: readonly string[],
  heading: string,
  level: '## ' | '### ',
  within: Span,
): Span | undefined {
  for (let i = within.start; i < within.end; i += 1) {
    if (lines[i] !== heading) continue;
    let end = i + 1;
    while (end < within.end) {
      const line = lines[end] as string;
      if (line.startsWith('## ') || (level === '### ' && line.startsWith('### '))) break;
      end += 1;
    }
    return { start: i, end };
  }
  return undefined;
}

function trimBlank(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]?.trim() === '') a += 1;
  while (b > a && lines[b - 1]?.trim() === '') b -= 1;
  return lines.slice(a, b);
}

/**
 * @param sectionTitle  e.g. `Side by side` (rendered `## Side by side`)
 * @param intro         Markdown under the section heading, before its subsections
 * @param subTitle      e.g. `Quick run` (rendered `### Quick run`)
 * @param body          Markdown of the subsection
 */
export function upsertSubsection(
  doc: string,
  sectionTitle: string,
  intro: string,
  subTitle: string,
  body: string,
): string {
  const lines = doc.replace(/\n+$/, '').split('\n');
  const sectionHeading = `## ${sectionTitle}`;
  const subHeading = `### ${subTitle}`;
  const subBlock = [subHeading, '', ...trimBlank(body.split('\n')), ''];
  const introBlock = [sectionHeading, '', ...trimBlank(intro.split('\n')), ''];
  const section = findSection(lines, sectionHeading, '## ', { start: 0, end: lines.length });
  if (!section) {
    return [...lines, '', ...introBlock, ...subBlock].join('\n').replace(/\n*$/, '\n');
  }
  // Subsections of this section, in order; the intro is what precedes the first one.
  let firstSub = section.end;
  for (let i = section.start + 1; i < section.end; i += 1) {
    if ((lines[i] as string).startsWith('### ')) {
      firstSub = i;
      break;
    }
  }
  const subs = lines.slice(firstSub, section.end);
  const existing = findSection(subs, subHeading, '### ', { start: 0, end: subs.length });
  let newSubs: string[];
  if (existing) {
    newSubs = [...subs.slice(0, existing.start), ...subBlock, ...subs.slice(existing.end)];
  } else {
    newSubs = [...trimBlank(subs), ...(subs.length > 0 ? [''] : []), ...subBlock];
  }
  const rebuilt = [...introBlock, ...trimBlank(newSubs), ''];
  const after = lines.slice(section.end);
  return [...lines.slice(0, section.start), ...rebuilt, ...after].join('\n').replace(/\n*$/, '\n');
}
