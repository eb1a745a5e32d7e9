// MVC's ModelStateDictionary as far as it shapes a ValidationProblemDetails body: keys split at '.'
// and '[' into a tree whose children are ordered by (length, ordinal-ignore-case), enumerated
// breadth-first; at most 200 errors, the 200th becomes "The input was not valid." under key "".

const MAX_ALLOWED_ERRORS = 200;
/** Resources.SerializableError_DefaultError, shown for errors recorded as exceptions. */
const DEFAULT_ERROR = 'The input was not valid.';

interface Node {
  readonly subKey: string;
  key: string | null;
  errors: string[] | null; // null: container node (no entry of its own)
  children: Node[] | null;
}

function compareSubKeys(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  const ua = a.toUpperCase();
  const ub = b.toUpperCase();
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** foo.bar[0].baz → foo, bar, [0], baz */
function splitKey(key: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let openBracket = false;
  for (let i = 0; i <= key.length; i++) {
    const ch = key[i];
    if (i === key.length || ch === '.' || ch === '[') {
      const from = openBracket ? start - 1 : start;
      parts.push(key.slice(from, i));
      openBracket = ch === '[';
      start = i + 1;
    }
  }
  return parts;
}

export class ModelState {
  private readonly root: Node = { subKey: '', key: '', errors: null, children: null };
  private errorCount = 0;
  private recordedMax = false;

  get isValid(): boolean {
    return this.errorCount === 0;
  }

  addError(key: string, message: string): void {
    if (this.errorCount >= MAX_ALLOWED_ERRORS - 1) {
      if (!this.recordedMax) {
        this.recordedMax = true;
        this.append('', DEFAULT_ERROR);
      }
      return;
    }
    this.append(key, message);
  }

  private append(key: string, message: string): void {
    const node = this.nodeFor(key);
    (node.errors ??= []).push(message);
    this.errorCount++;
  }

  private nodeFor(key: string): Node {
    let current = this.root;
    if (key.length === 0) return current;
    for (const subKey of splitKey(key)) {
      if (subKey.length === 0) continue;
      const children = (current.children ??= []);
      let lo = 0;
      let hi = children.length - 1;
      let found: Node | undefined;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const c = compareSubKeys((children[mid] as Node).subKey, subKey);
        if (c === 0) {
          found = children[mid];
          break;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
      }
      if (!found) {
        found = { subKey, key: null, errors: null, children: null };
        children.splice(lo, 0, found);
      }
      current = found;
    }
    current.key ??= key;
    return current;
  }

  /** Entries with errors in enumeration order (root first, then breadth-first). */
  entries(): Array<[string, string[]]> {
    const out: Array<[string, string[]]> = [];
    const visit = (n: Node) => {
      if (n.errors && n.errors.length > 0) out.push([n.key ?? '', n.errors]);
    };
    visit(this.root);
    const queue: Node[] = this.root.children ? [this.root] : [];
    while (queue.length > 0) {
      const node = queue.shift() as Node;
      for (const child of node.children ?? []) {
        if (child.children && child.children.length > 0) queue.push(child);
        visit(child);
      }
    }
    return out;
  }
}
