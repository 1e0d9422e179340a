/// <reference lib="webworker" />
/**
 * Fetching a model folder (manifest.json, then its graphs) with messages that name the problem:
 * a folder that is not there, a manifest that is not JSON or breaks the contract, a file that
 * stops arriving midway, a file whose size or SHA-256 differs from the manifest, a file that is
 * not ONNX at all. Every failure is a ModelLoadError; `retryable` marks the ones a retry may fix
 * (network, server), as opposed to a broken folder.
 */
import { errorText } from '../../mae/error-text.ts';
import { formatBytes } from '../../mae/format-bytes.ts';
import { listedFile, ManifestError, onnxProblem, parseManifest, type ModelManifest } from '../../mae/index.ts';

export class ModelLoadError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}


/** manifest.json of the folder at `base`, validated (parseManifest). */
export async function fetchManifest(base: URL): Promise<ModelManifest> {
  const url = new URL('manifest.json', base);
  const folder = base.pathname;
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-cache' });
  } catch (e) {
    throw new ModelLoadError(`Could not reach ${url.pathname} (${errorText(e)}). Check the connection and retry.`, true);
  }
  if (res.status === 404) throw new ModelLoadError(`There is no model at ${folder}: manifest.json was not found (HTTP 404).`, false);
  if (!res.ok)
    throw new ModelLoadError(`${url.pathname}: the server answered HTTP ${res.status} ${res.statusText}`.trim() + '.', res.status >= 500);
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw new ModelLoadError(`The download of ${url.pathname} failed (${errorText(e)}). Check the connection and retry.`, true);
  }
  try {
    return parseManifest(text);
  } catch (e) {
    if (e instanceof ManifestError) throw new ModelLoadError(`The model at ${folder} has a bad ${e.message}`, false);
    throw e;
  }
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** One file, streamed; progress through onBytes(delta, contentLength). */
async function fetchFile(
  url: URL,
  file: string,
  onBytes: (delta: number, contentLength: number) => void,
): Promise<Uint8Array<ArrayBuffer>> {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-cache' });
  } catch (e) {
    throw new ModelLoadError(`The download of ${file} failed before it started (${errorText(e)}). Check the connection and retry.`, true);
  }
  if (res.status === 404) throw new ModelLoadError(`${file} is missing from the model folder (${url.pathname}: HTTP 404).`, false);
  if (!res.ok)
    throw new ModelLoadError(`The download of ${file} failed: the server answered HTTP ${res.status} ${res.statusText}`.trim() + '.', true);
  const contentLength = Number(res.headers.get('Content-Length') ?? 0) || 0;
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    if (!res.body) {
      const buf = new Uint8Array(await res.arrayBuffer());
      chunks.push(buf);
      received = buf.byteLength;
      onBytes(buf.byteLength, contentLength);
    } else {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.byteLength;
        onBytes(value.byteLength, contentLength);
      }
    }
  } catch (e) {
    const of = contentLength > 0 ? ` of ${formatBytes(contentLength)}` : '';
    throw new ModelLoadError(
      `The download of ${file} stopped after ${formatBytes(received)}${of} (${errorText(e)}). Check the connection and retry.`,
      true,
    );
  }
  if (contentLength > 0 && received !== contentLength) {
    throw new ModelLoadError(`The download of ${file} is incomplete: ${formatBytes(received)} of ${formatBytes(contentLength)} arrived. Retry.`, true);
  }
  const out = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * The content checks every model file gets, downloaded or read from disk: a graph must be ONNX at
 * all, and a file must hash to the manifest's SHA-256 when it gives one.
 */
export async function checkFileContent(
  file: string,
  data: Uint8Array<ArrayBuffer>,
  isGraph: boolean,
  sha256: string | undefined,
  retryable: boolean,
): Promise<void> {
  if (isGraph) {
    const problem = onnxProblem(data, file);
    if (problem) throw new ModelLoadError(problem, false);
  }
  if (!sha256) return;
  const got = await sha256Hex(data);
  if (got !== sha256) {
    throw new ModelLoadError(
      `${file} does not match manifest.json (SHA-256 ${got.slice(0, 12)}…, expected ${sha256.slice(0, 12)}…): the file is damaged or belongs to another model.`,
      retryable,
    );
  }
}

/**
 * Every graph file of the manifest, checked against manifest.files (bytes, sha256) and for being
 * ONNX at all. `onProgress(loaded, total, file)` over all files.
 */
export async function downloadModelFiles(
  base: URL,
  manifest: ModelManifest,
  onProgress: (loaded: number, total: number, file: string) => void,
): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const parts = [manifest.encoder, manifest.decoder];
  const graphs = new Set(parts.map((p) => p.file));
  const files = [...parts.map((p) => p.file), ...parts.flatMap((p) => p.externalData ?? [])];
  const known = new Map<string, number>();
  for (const f of files) known.set(f, listedFile(manifest, f)?.bytes ?? 0);
  const total = (): number => [...known.values()].reduce((a, b) => a + b, 0);
  let loaded = 0;
  let lastPost = 0;
  const out = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const f of files) {
    const data = await fetchFile(new URL(f, base), f, (delta, contentLength) => {
      if (contentLength > 0 && !listedFile(manifest, f)) known.set(f, contentLength);
      loaded += delta;
      const now = performance.now();
      if (now - lastPost > 50) {
        lastPost = now;
        onProgress(loaded, total(), f);
      }
    });
    const want = listedFile(manifest, f);
    if (want && data.byteLength !== want.bytes) {
      const short = data.byteLength < want.bytes;
      throw new ModelLoadError(
        short
          ? `The download of ${f} is incomplete: ${formatBytes(data.byteLength)} of ${formatBytes(want.bytes)} arrived. Retry.`
          : `${f} is ${data.byteLength} bytes, but manifest.json says ${want.bytes}: it is not the file this manifest describes.`,
        short,
      );
    }
    // A download that differs from its hash may have been damaged on the way: a retry may fix it.
    await checkFileContent(f, data, graphs.has(f), want?.sha256, true);
    out.set(f, data);
  }
  onProgress(loaded, Math.max(loaded, total()), '');
  return out;
}
