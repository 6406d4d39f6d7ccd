/**
 * The commit log (docs/log.md): the source of truth of a partition. Appends become durable tail
 * segments at once (so an event is readable the moment `append` resolves); when the tail holds
 * enough events or bytes, its segments are merged into one sealed block, atomically. Everything
 * else (profiles, trigger state, indexes) is derived from the log and can be rebuilt from it.
 */
import {
  BlockBuilder,
  FlamEncodeError,
  openBlock,
  readHeader,
  type FlamEvent,
} from "../flam/index.ts";
import {
  overlaps,
  type BlockMeta,
  type LogStore,
  type StoredBlock,
  type TimeRange,
} from "./log-store.ts";

/** Options of a log. */
export interface LogOptions {
  /** Seal once the tail holds this many events. Defaults to 8192. */
  sealEvents: number;
  /**
   * Seal once the tail's segments hold this many bytes. Defaults to 8 MiB: a segment carries its
   * own dictionaries, so it costs about four times a sealed block per event (about 500 bytes for
   * a realistic event), and sealing by segment bytes any earlier cut blocks before `sealEvents`,
   * which queries pay for in per-block work. The bound on a tail in memory.
   */
  sealBytes: number;
  /**
   * Seal once the tail holds this many segments. Defaults to 128: queries read each segment as a
   * block of its own, with per-block work, and a partition taking small batches (a request's
   * events spread over many partitions) fills a tail with many small segments long before
   * `sealEvents` (about 260 of 31 events each at 8,192, measured in `bench:query`).
   */
  sealSegments: number;
  /** Largest sealed block or tail segment, in bytes. Defaults to 1.5 MiB, under a 2 MB storage row. */
  maxBlockBytes: number;
  /** Called when sealing fails after an append succeeded (the events stay safe in the tail). */
  onError: (error: unknown) => void;
}

const DEFAULTS: LogOptions = {
  sealEvents: 8192,
  sealBytes: 8 * 1024 * 1024,
  sealSegments: 128,
  maxBlockBytes: 1.5 * 1024 * 1024,
  onError: (error) =>
    console.error("flamingo log: sealing failed; the tail keeps the events", error),
};

/** One event the log refused, by its index in the appended batch. */
export interface Rejected {
  index: number;
  error: FlamEncodeError;
}

/** What an append did. */
export interface AppendResult {
  /** Log offsets of the accepted events, in order (their positions in the batch skip rejects). */
  offsets: number[];
  rejected: Rejected[];
}

/** A block as read from the log: sealed, or a tail segment. */
export interface LogBlock extends StoredBlock {
  sealed: boolean;
}

/**
 * @example
 * const log = await Log.open(new MemoryLogStore());
 * const { offsets, rejected } = await log.append(events);
 * for await (const block of log.read({ from: Date.parse("2026-01-01") })) scan(block.bytes);
 */
export class Log {
  private readonly store: LogStore;
  private readonly options: LogOptions;
  private sealedMetas: BlockMeta[];
  private segments: StoredBlock[];
  /**
   * The events of tail segments this log appended, by segment `first`: sealing re-encodes them
   * from here instead of decoding the segments again (segments loaded at open are decoded). At
   * most one tail's worth (`sealEvents` / `sealBytes`), so bounded.
   */
  private tailEvents = new Map<number, FlamEvent[]>();
  /**
   * One builder holding exactly the tail's events, in order, while that is true (`undefined`
   * once it is not: a tail loaded at open, a builder that filled up, a failed write). Appends
   * encode their segments from it and sealing writes it out, so each event is validated and
   * shaped once; without it sealing re-encodes the events above.
   */
  private tail: BlockBuilder | undefined;
  /**
   * The size estimate at which the tail's builder counts as full. `BlockBuilder`'s estimate is a
   * true upper bound, about three times the real size for realistic events, so a builder bound
   * by `maxBlockBytes` fills at about 4,200-6,700 of them with a real block of 0.4-0.6 MiB. After each seal
   * the limit is set from the estimate-to-real ratio just seen, so the next block is cut at about
   * 80% of `maxBlockBytes` real (or `sealEvents` first). A block that still comes out too large
   * is re-encoded under the strict bound: never stored larger than `maxBlockBytes`.
   */
  private tailLimit: number;
  private next: number;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    store: LogStore,
    options: LogOptions,
    sealed: BlockMeta[],
    tail: StoredBlock[],
  ) {
    this.store = store;
    this.options = options;
    this.sealedMetas = sealed;
    this.segments = tail;
    this.tailLimit = options.maxBlockBytes;
    this.tail = tail.length === 0 ? this.newTailBuilder() : undefined;
    const last = tail.at(-1)?.meta ?? sealed.at(-1);
    this.next = last === undefined ? 0 : last.first + last.count;
  }

  /** Opens a log over a store, loading the block index (metas only) and the tail. */
  static async open(store: LogStore, options: Readonly<Partial<LogOptions>> = {}): Promise<Log> {
    const [sealed, tail] = await Promise.all([store.blocks(), store.tail()]);
    return new Log(store, { ...DEFAULTS, ...options }, sealed, tail);
  }

  /** Offset the next appended event will get. */
  get nextOffset(): number {
    return this.next;
  }

  /** Events and bytes in the tail (not yet sealed). */
  get tailSize(): { events: number; bytes: number; segments: number } {
    let events = 0;
    let bytes = 0;
    for (const s of this.segments) {
      events += s.meta.count;
      bytes += s.meta.bytes;
    }
    return { events, bytes, segments: this.segments.length };
  }

  /**
   * Appends events: each is validated alone (a bad one is rejected, the others kept), the good
   * ones are written as one tail segment and are readable once this resolves. A batch that fills
   * the tail's block (`maxBlockBytes`) seals it where it filled and goes on in a new tail. Appends run one at a time, in call order. The log keeps the event
   * objects until the next seal: do not mutate them after appending.
   */
  append(events: readonly FlamEvent[]): Promise<AppendResult> {
    return this.serial(async () => {
      const offsets: number[] = [];
      const rejected: Rejected[] = [];
      let start = 0;
      while (start < events.length) {
        const part = this.appendToTail(events, start);
        if (part === undefined) {
          // No builder for the tail (loaded at open, or a failed write): segments of their own.
          const alone = this.encodeAlone(events, start);
          rejected.push(...alone.rejected);
          for (const s of alone.segments) await this.storeSegment(s, offsets);
          break;
        }
        rejected.push(...part.rejected);
        for (const segment of part.segments) await this.storeSegment(segment, offsets);
        start = part.stop;
        // The builder filled up before the batch's end: it holds exactly the tail, so it is
        // sealed as it is (never encoded again) and a new one takes the rest of the batch.
        if (start < events.length) await this.sealTail().catch(this.options.onError);
      }
      const { events: n, bytes, segments } = this.tailSize;
      const { sealEvents, sealBytes, sealSegments } = this.options;
      if (n >= sealEvents || bytes >= sealBytes || segments >= sealSegments) {
        await this.sealTail().catch(this.options.onError);
      }
      return { offsets, rejected };
    });
  }

  /** Writes one tail segment and gives its events their offsets. */
  private async storeSegment(
    { bytes, events }: { bytes: Uint8Array; events: FlamEvent[] },
    offsets: number[],
  ): Promise<void> {
    const segment = { meta: metaOf(this.next, bytes), bytes };
    try {
      await this.store.appendTail(segment);
    } catch (error) {
      this.tail = undefined; // it holds events the tail does not
      throw error;
    }
    // Copy on write: a `read` in progress keeps iterating the array it started with.
    this.segments = [...this.segments, segment];
    this.tailEvents.set(segment.meta.first, events);
    for (let i = 0; i < segment.meta.count; i++) offsets.push(this.next + i);
    this.next += segment.meta.count;
  }

  /**
   * Appends events from `start` to the tail's builder until the batch ends or the builder is
   * full, and encodes those appended as one segment from it. `stop` is where it stopped (the
   * event that did not fit; an event that fits no empty block is refused instead). `undefined`
   * when there is no builder.
   */
  private appendToTail(
    events: readonly FlamEvent[],
    start: number,
  ): { rejected: Rejected[]; segments: Encoded["segments"]; stop: number } | undefined {
    const builder = this.tail;
    if (builder === undefined) return undefined;
    const from = builder.count;
    const rejected: Rejected[] = [];
    const accepted: FlamEvent[] = [];
    const acceptedAt: number[] = [];
    let index = start;
    for (; index < events.length; index++) {
      const event = events[index]!;
      const error = tryAppend(builder, event);
      if (error?.code === "FULL" && builder.count > 0) break;
      if (error !== undefined) rejected.push({ index, error });
      else {
        accepted.push(event);
        acceptedAt.push(index);
      }
    }
    if (accepted.length === 0) return { rejected, segments: [], stop: index };
    const bytes = builder.encodeSince(from);
    if (bytes.length <= this.options.maxBlockBytes)
      return { rejected, segments: [{ bytes, events: accepted }], stop: index };
    // The tail's builder is bound by a looser estimate than a row allows: cut this batch's
    // segment under the strict bound instead (rare: a batch of about 1 MiB of encoded events).
    const alone = this.encodeAlone(accepted, 0);
    if (alone.rejected.length > 0) {
      // Cannot happen for events the looser builder took; if it did, the builder would hold
      // events the tail does not: drop it (sealing then re-encodes the segments).
      this.tail = undefined;
      for (const r of alone.rejected)
        rejected.push({ index: acceptedAt[r.index]!, error: r.error });
      rejected.sort((x, y) => x.index - y.index);
    }
    return { rejected, segments: alone.segments, stop: index };
  }

  /** Encodes the events as segments of their own (more than one if they pass `maxBlockBytes`). */
  private encodeAlone(events: readonly FlamEvent[], start: number): Encoded {
    const rejected: Rejected[] = [];
    const segments: Encoded["segments"] = [];
    const builder = this.newBuilder();
    let current: FlamEvent[] = [];
    events.forEach((event, index) => {
      if (index < start) return;
      let error = tryAppend(builder, event);
      if (error?.code === "FULL" && builder.count > 0) {
        segments.push({ bytes: builder.seal(), events: current });
        current = [];
        error = tryAppend(builder, event);
      }
      if (error !== undefined) return void rejected.push({ index, error });
      current.push(event);
    });
    if (builder.count > 0) segments.push({ bytes: builder.seal(), events: current });
    return { rejected, segments };
  }

  /** Seals the tail now (a no-op when it is empty). */
  seal(): Promise<void> {
    return this.serial(() => this.sealTail());
  }

  /**
   * The blocks whose time range overlaps `range`, in log order: sealed blocks first, then tail
   * segments. The set is fixed when `read` is called, so a concurrent seal never hides events.
   */
  async *read(range?: TimeRange): AsyncGenerator<LogBlock> {
    const sealed = this.sealedMetas.filter((m) => overlaps(m, range));
    const tail = this.segments.filter((s) => overlaps(s.meta, range));
    for (const meta of sealed) {
      const bytes = await this.store.readBlock(meta.first);
      if (bytes === undefined) throw new Error(`log store lost sealed block ${meta.first}`);
      yield { meta, bytes, sealed: true };
    }
    for (const s of tail) yield { ...s, sealed: false };
  }

  /**
   * What `read(range)` would read, without reading it: the sealed blocks' metas (their bytes stay
   * in the store, so a reader can serve them from a cache) and the tail segments, bytes included.
   */
  snapshot(range?: TimeRange): { sealed: BlockMeta[]; tail: StoredBlock[] } {
    return {
      sealed: this.sealedMetas.filter((m) => overlaps(m, range)),
      tail: this.segments.filter((s) => overlaps(s.meta, range)),
    };
  }

  /** Every block's meta, sealed then tail, in log order. */
  metas(): BlockMeta[] {
    return [...this.sealedMetas, ...this.segments.map((s) => s.meta)];
  }

  private async sealTail(): Promise<void> {
    const segments = this.segments;
    if (segments.length === 0) return;
    const whole = this.tail;
    this.tail = undefined; // until the seal succeeds
    const first = segments[0]!.meta.first;
    let blocks: StoredBlock[] | undefined;
    if (whole !== undefined && whole.count === this.next - first) {
      const { maxBlockBytes } = this.options;
      const estimate = whole.byteEstimate;
      const bytes = whole.seal();
      if (bytes.length <= maxBlockBytes) blocks = [block(first, bytes)];
      const ratio = bytes.length / estimate;
      this.tailLimit = Math.min(
        4 * maxBlockBytes,
        Math.max(maxBlockBytes, (0.8 * maxBlockBytes) / ratio),
      );
    }
    blocks ??= this.reencode(segments);
    await this.store.seal(
      blocks,
      segments.map((s) => s.meta.first),
    );
    this.sealedMetas = [...this.sealedMetas, ...blocks.map((b) => b.meta)];
    // Appends and seals are serial, so the sealed segments are the whole tail.
    this.segments = [];
    this.tailEvents.clear();
    this.tail = this.newTailBuilder();
  }

  /** The tail's events encoded again, from memory or from the segments, as sealed blocks. */
  private reencode(segments: readonly StoredBlock[]): StoredBlock[] {
    const blocks: StoredBlock[] = [];
    let first = segments[0]!.meta.first;
    const builder = this.newBuilder();
    const flush = () => {
      const b = block(first, builder.seal());
      blocks.push(b);
      first += b.meta.count;
    };
    for (const s of segments) {
      for (const event of this.tailEvents.get(s.meta.first) ?? openBlock(s.bytes).events()) {
        try {
          builder.append(event);
        } catch (error) {
          if (!(error instanceof FlamEncodeError && error.code === "FULL")) throw error;
          flush();
          builder.append(event);
        }
      }
    }
    if (builder.count > 0) flush();
    return blocks;
  }

  /** A builder whose estimate is bound by `maxBlockBytes`: what it seals always fits. */
  private newBuilder(): BlockBuilder {
    return new BlockBuilder({ maxBytes: this.options.maxBlockBytes });
  }

  private newTailBuilder(): BlockBuilder {
    return new BlockBuilder({ maxBytes: this.tailLimit });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** What an append encoded: segments with their events, and the events refused. */
interface Encoded {
  rejected: Rejected[];
  segments: { bytes: Uint8Array; events: FlamEvent[] }[];
}

/** A stored block of encoded bytes starting at offset `first`. */
function block(first: number, bytes: Uint8Array): StoredBlock {
  return { meta: metaOf(first, bytes), bytes };
}

/** Appends, returning the encoder's refusal instead of throwing it. */
function tryAppend(builder: BlockBuilder, event: FlamEvent): FlamEncodeError | undefined {
  try {
    builder.append(event);
    return undefined;
  } catch (error) {
    if (error instanceof FlamEncodeError) return error;
    throw error;
  }
}

function metaOf(first: number, bytes: Uint8Array): BlockMeta {
  const h = readHeader(bytes);
  return {
    first,
    count: h.eventCount,
    minTime: h.minTime,
    maxTime: h.maxTime,
    bytes: bytes.length,
  };
}
