/**
 * The wire between the main thread and a worker, for any typed request table (a Protocol): ids,
 * one promise per request, the news a request gets before its answer (load progress, sweep
 * points), cancellation by AbortSignal, crash detection, and the transfer lists of the worker's
 * answers. It knows no request of the app (src/worker/messages.ts has the app's table); the
 * scheduling of reconstructions is row-scheduler.ts's.
 */

/** One request of a table: what is sent, what comes back, and the news that may come first. */
export interface Call<Req extends { type: string; id: number }, Result, Update = never> {
  request: Req;
  result: Result;
  update: Update;
}

/** A typed request table: request type → Call. */
export type Protocol = Record<string, Call<{ type: string; id: number }, unknown, unknown>>;

export type RequestOf<P extends Protocol, K extends keyof P> = P[K]['request'];
/** A request as the caller writes it: the wire gives it its id. */
export type Outgoing<P extends Protocol, K extends keyof P> = Omit<P[K]['request'], 'id'> & { type: K };

/** The final answer to one request of a table. */
export type ResultMessageOf<P extends Protocol> = {
  [K in keyof P & string]: { type: 'result'; id: number; request: K; result: P[K]['result'] };
}[keyof P & string];

/** Error from the worker, with its machine-readable code. */
export class MaeWorkerError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'MaeWorkerError';
  }
}

export function isAbortError(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

/** A request lost with a crashed worker: the owner's restart runs it again, so it is not the request's own error. */
export function isCrash(e: unknown): boolean {
  return e instanceof MaeWorkerError && e.code === 'crashed';
}

export function abortError(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}

/**
 * The buffers of a worker's message, found by walking it (plain objects and arrays; every typed
 * array's buffer): whatever a result carries is transferred, not copied, without a list per
 * message type to keep in step with the types. The worker builds every answer afresh, so nothing
 * it keeps (the decoded-image cache) is reachable from one. SharedArrayBuffers are shared anyway.
 */
export function transferablesOf(msg: unknown): Transferable[] {
  const buffers = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) buffers.add(v.buffer);
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return; // Blob, Map, class instances: not ours to move
    for (const x of Object.values(v)) walk(x);
  };
  walk(msg);
  return [...buffers];
}

interface Pending {
  request: string;
  resolve: (value: never) => void;
  reject: (reason: unknown) => void;
  onUpdate?: (update: never) => void;
}

export interface WireOptions<Event> {
  /**
   * The worker died (an uncaught error in it, or an unreadable message): every pending request
   * has been rejected with a MaeWorkerError of code "crashed" and the worker terminated.
   */
  onCrash?: (message: string) => void;
  /** Unsolicited news from the worker (type "event", id 0). */
  onEvent?: (event: Event) => void;
  /** Called once when the wire closes (crash or terminate), before onCrash: owners fail their own queues. */
  onClose?: (reason: unknown) => void;
}

export interface CallOptions<Update> {
  /** Buffers the caller gives away with the request (it must not use them afterwards). */
  transfer?: Transferable[];
  onUpdate?: (update: Update) => void;
  /** Aborting rejects at once with an AbortError and drops the answer; `onAbort` can tell the worker. */
  signal?: AbortSignal;
  onAbort?: (id: number) => void;
}

export class Wire<P extends Protocol, Event = never> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private isClosed = false;

  constructor(
    private readonly worker: Worker,
    private readonly options: WireOptions<Event> = {},
  ) {
    worker.onmessage = (ev: MessageEvent<unknown>) => this.onMessage(ev.data);
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.crash(ev.message || 'unknown error');
    };
    worker.onmessageerror = () => this.crash('a message from the worker could not be read');
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Sends a request; the promise settles with its answer (or an error, an abort, a crash). */
  call<K extends keyof P & string>(req: Outgoing<P, K>, options: CallOptions<P[K]['update']> = {}): Promise<P[K]['result']> {
    if (this.isClosed) return Promise.reject(abortError('worker terminated'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError('aborted'));
    const id = this.nextId++;
    const result = new Promise<P[K]['result']>((resolve, reject) => {
      this.pending.set(id, { request: req.type, resolve, reject, onUpdate: options.onUpdate });
    });
    this.worker.postMessage({ ...req, id }, options.transfer ?? []);
    if (!signal) return result;
    const onAbort = (): void => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      p.reject(abortError(`${req.type} cancelled`));
      options.onAbort?.(id);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return result.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** Stops the worker; pending requests reject with an AbortError. */
  terminate(): void {
    this.close(abortError('worker terminated'));
  }

  private crash(message: string): void {
    if (this.close(new MaeWorkerError(`The worker crashed: ${message}`, 'crashed'))) this.options.onCrash?.(message);
  }

  private close(reason: unknown): boolean {
    if (this.isClosed) return false;
    this.isClosed = true;
    this.worker.terminate();
    this.options.onClose?.(reason);
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
    return true;
  }

  private onMessage(data: unknown): void {
    const msg = data as { type: string; id: number; result?: unknown; message?: string; code?: string };
    if (msg.type === 'event') {
      this.options.onEvent?.(data as Event);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return; // cancelled, or the caller gave up
    if (msg.type === 'result') {
      this.pending.delete(msg.id);
      p.resolve(msg.result as never);
    } else if (msg.type === 'error') {
      this.pending.delete(msg.id);
      p.reject(new MaeWorkerError(msg.message ?? 'unknown error', msg.code ?? 'internal'));
    } else {
      p.onUpdate?.(data as never);
    }
  }
}
