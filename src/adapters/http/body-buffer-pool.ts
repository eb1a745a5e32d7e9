// Reusable buffers for bodies the edge renders itself (cache hits). A hit of a 100-item page is ~1 MiB,
// of a 3 × 1000 page ~11 MiB; allocating that per response made the garbage collector the largest cost
// of a hit after the kernel copy. Size classes: powers of two up to 1 MiB, then whole MiB (a power of two
// would waste up to half of an 11 MiB buffer). A buffer goes back to the pool only once the response that
// used it has been handed to the kernel completely; a buffer of an aborted response is dropped instead (a
// cancelled write may still reference it), and the pool never retains more than `maxRetainedBytes`.

export interface BodyBufferPool {
  /** A buffer of at least `minBytes`; its contents are arbitrary. */
  acquire(minBytes: number): Buffer;
  /** Gives a buffer from `acquire` back once nothing references it any more. */
  release(buffer: Buffer): void;
  /** Bytes held in free lists right now. */
  retainedBytes(): number;
}

export interface BodyBufferPoolOptions {
  /** Upper bound of the bytes kept in free lists (default 256 MiB). 0 disables pooling. */
  readonly maxRetainedBytes?: number;
  /** Smallest size class (default 64 KiB). */
  readonly minClassBytes?: number;
}

const DEFAULT_MAX_RETAINED_BYTES = 256 * 1024 * 1024;
const MIB = 1024 * 1024;
const DEFAULT_MIN_CLASS_BYTES = 64 * 1024;

export function createBodyBufferPool(options: BodyBufferPoolOptions = {}): BodyBufferPool {
  const maxRetained = options.maxRetainedBytes ?? DEFAULT_MAX_RETAINED_BYTES;
  const minClass = options.minClassBytes ?? DEFAULT_MIN_CLASS_BYTES;
  if (!(maxRetained >= 0)) throw new RangeError('maxRetainedBytes must not be negative');
  if (!(minClass >= 1)) throw new RangeError('minClassBytes must be positive');
  const free = new Map<number, Buffer[]>();
  // Buffers handed out by this pool: release() of anything else (or twice) is ignored.
  const lent = new WeakSet<ArrayBufferLike>();
  let retained = 0;

  const classOf = (bytes: number) => {
    if (bytes > MIB && minClass <= MIB) return Math.ceil(bytes / MIB) * MIB;
    let size = minClass;
    while (size < bytes) size *= 2;
    return size;
  };

  return {
    acquire(minBytes) {
      const size = classOf(Math.max(1, minBytes));
      const list = free.get(size);
      const reused = list?.pop();
      // Unpooled allocation: never a view into Node's shared slab, so the whole buffer is ours to reuse.
      const buffer = reused ?? Buffer.allocUnsafeSlow(size);
      if (reused) retained -= size;
      lent.add(buffer.buffer);
      return buffer;
    },
    release(buffer) {
      if (!lent.has(buffer.buffer)) return;
      lent.delete(buffer.buffer);
      const size = buffer.buffer.byteLength;
      if (buffer.byteOffset !== 0 || buffer.length !== size || retained + size > maxRetained) return;
      let list = free.get(size);
      if (!list) free.set(size, (list = []));
      list.push(buffer);
      retained += size;
    },
    retainedBytes: () => retained,
  };
}
