/**
 * The theory experiment's small models in the page: onnxruntime-web (the WASM-only build, one thread)
 * on the main thread. They are 32×32 px and a few hundred KB, so a reconstruction takes milliseconds and
 * does not need the app's worker; the photo models keep the worker to themselves.
 */
import type * as ort from 'onnxruntime-web';
import { sharedMasks } from '../../mae/compare-mask.ts';
import { compositePanels, type Panels } from '../../mae/composite.ts';
import { maskFromHidden } from '../../mae/masking.ts';
import { numPatches, parseManifest, type ModelManifest } from '../../mae/model-contract.ts';
import { reconstruct, type MaeSessions } from '../../mae/reconstruct.ts';
import type { TheoryModelEntry } from './results.ts';
import { normalizeChw, WORLD_SIZE } from './world.ts';
import { pageAppBase } from '../../app-base.ts';
import { configureOrt } from '../../worker/ort-config.ts';

type OrtRuntime = typeof import('onnxruntime-web');

export interface TheoryModel {
  entry: TheoryModelEntry;
  manifest: ModelManifest;
  sessions: MaeSessions;
}

let runtime: Promise<OrtRuntime> | null = null;

function loadRuntime(): Promise<OrtRuntime> {
  runtime ??= import('onnxruntime-web/wasm').then((rt: OrtRuntime) => {
    // the app's one runtime configuration, with one thread: these models are tiny
    return configureOrt(rt, { appBase: pageAppBase(), threads: 1 });
  });
  return runtime;
}

/** The two folders theory models live in: the first run's (models/theory/<id>) and issue 26's grid (models/theory-grid/<id>). */
const MODEL_PATH = /^models\/theory(-grid)?\/[a-z0-9-]+$/;

/** A model's file under its folder; a path from the results file that is not one of ours is refused, so it can never point elsewhere. */
function modelUrl(entry: TheoryModelEntry, file: string): string {
  if (!MODEL_PATH.test(entry.path))
    throw new Error(`theory model ${entry.id}: path ${JSON.stringify(entry.path)} is not under models/theory/ or models/theory-grid/`);
  return `${import.meta.env.BASE_URL}${entry.path}/${file}`;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Loads one exported theory model; a manifest that does not fit the experiment is refused with the reason. */
async function loadModel(rt: OrtRuntime, entry: TheoryModelEntry): Promise<TheoryModel> {
  const res = await fetch(modelUrl(entry, 'manifest.json'));
  if (!res.ok) throw new Error(`${entry.path}/manifest.json: HTTP ${res.status}`);
  const manifest = parseManifest(await res.json());
  if (manifest.imgSize !== WORLD_SIZE || manifest.patchSize !== entry.patchSize) {
    throw new Error(
      `${entry.path}: expected ${WORLD_SIZE} px and patch ${entry.patchSize}, the manifest says ${manifest.imgSize} px, patch ${manifest.patchSize}`,
    );
  }
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  // contract v2 folders keep the weights in external data files beside the graphs (none in v1)
  const files = async (part: ModelManifest['encoder']) =>
    Promise.all([part.file, ...(part.externalData ?? [])].map((f) => fetchBytes(modelUrl(entry, f))));
  const [[enc, ...encData], [dec, ...decData]] = await Promise.all([files(manifest.encoder), files(manifest.decoder)]);
  const create = async (bytes: Uint8Array, file: string): Promise<ort.InferenceSession> => {
    const part = file === manifest.encoder.file ? manifest.encoder : manifest.decoder;
    const data = file === manifest.encoder.file ? encData : decData;
    const externalData = (part.externalData ?? []).map((path, i) => ({ path, data: data[i] }));
    try {
      return await rt.InferenceSession.create(bytes, externalData.length > 0 ? { ...options, externalData } : options);
    } catch (e) {
      throw new Error(`${entry.path}/${file}: onnxruntime could not load it (${e instanceof Error ? e.message : String(e)})`);
    }
  };
  const encoder = await create(enc, manifest.encoder.file);
  try {
    return { entry, manifest, sessions: { encoder, decoder: await create(dec, manifest.decoder.file) } };
  } catch (e) {
    await encoder.release().catch(() => undefined);
    throw e;
  }
}

export async function loadTheoryModels(entries: readonly TheoryModelEntry[]): Promise<{ rt: OrtRuntime; models: TheoryModel[] }> {
  const rt = await loadRuntime();
  const models: TheoryModel[] = [];
  for (const entry of entries) models.push(await loadModel(rt, entry)); // one at a time: small, and errors name the model
  return { rt, models };
}

export interface TheoryReconstruction {
  id: string;
  panels: Panels;
  /** mean squared error on the hidden pixels, in [0, 1] pixel units (RGB) */
  hiddenMse: number;
}

/**
 * Every model reconstructs the same sample with the same hidden pixels: the mask is drawn at `maskRatio`
 * on the coarsest patch grid among the models and refined for the finer ones (as the photo compare view does).
 */
export async function reconstructAll(
  rt: OrtRuntime,
  models: readonly TheoryModel[],
  pixels: Float32Array,
  maskRatio: number,
  maskSeed: number,
): Promise<TheoryReconstruction[]> {
  const sides = models.map((m) => Math.round(Math.sqrt(numPatches(m.manifest))));
  const masks = sharedMasks(sides, maskRatio, maskSeed);
  const out: TheoryReconstruction[] = [];
  for (let i = 0; i < models.length; i++) {
    const { manifest, sessions, entry } = models[i];
    const image = normalizeChw(pixels, manifest.mean, manifest.std);
    const { pred } = await reconstruct(sessions, rt.Tensor, image, manifest.imgSize, maskFromHidden(masks[i]));
    const panels = compositePanels({
      imageChw: image,
      predPatches: pred,
      mask: masks[i],
      imgSize: manifest.imgSize,
      patchSize: manifest.patchSize,
      mean: manifest.mean,
      std: manifest.std,
      normPixLoss: manifest.normPixLoss,
    });
    out.push({ id: entry.id, panels, hiddenMse: hiddenPixelMse(panels, masks[i], manifest.patchSize) });
  }
  return out;
}

/** MSE over the hidden patches' pixels between the shown reconstruction and the original (8-bit values / 255). */
function hiddenPixelMse(panels: Panels, mask: Uint8Array, patchSize: number): number {
  const { original, reconstruction } = panels;
  const side = original.width / patchSize;
  let sum = 0;
  let count = 0;
  for (let y = 0; y < original.height; y++) {
    for (let x = 0; x < original.width; x++) {
      if (!mask[Math.floor(y / patchSize) * side + Math.floor(x / patchSize)]) continue;
      for (let c = 0; c < 3; c++) {
        const d = (original.data[(y * original.width + x) * 4 + c] - reconstruction.data[(y * original.width + x) * 4 + c]) / 255;
        sum += d * d;
        count++;
      }
    }
  }
  return count === 0 ? 0 : sum / count;
}
