/// <reference lib="webworker" />
/**
 * Where the loaded model's files came from, kept for the attention view (issue 24): its attention
 * graphs are made only when the view first asks (attention-sessions.ts), long after the load. The
 * load request says it (a folder URL, or files from the person's disk: Blob references, no bytes are
 * kept), so the load handler is wrapped instead of changed: nothing else about a load differs.
 */
import type { ModelManifest } from '../../mae/index.ts';
import type { Handler } from '../../worker/dispatch.ts';
import type { LoadRequest, LoadResult, LocalModelFile } from '../../worker/messages.ts';
import { releaseAttention } from './attention-sessions.ts';

export interface AttentionSource {
  /** the model folder's URL (downloaded folders) */
  base: URL;
  /** files from the person's disk: a model folder, or one weights file */
  local: LocalModelFile[] | null;
}

/** By manifest: a GPU loss rebuilds the model on WASM with the same manifest object. */
const sources = new WeakMap<ModelManifest, AttentionSource>();

export function attentionSourceOf(manifest: ModelManifest): AttentionSource | undefined {
  return sources.get(manifest);
}

/** The load handler, which also records where the model came from (and drops the previous model's attention sessions first). */
export function withAttentionSource(load: Handler<LoadRequest, LoadResult>): Handler<LoadRequest, LoadResult> {
  return {
    ...load,
    async run(req, ctx) {
      await releaseAttention();
      const result = await load.run(req, ctx);
      sources.set(ctx.runtime.requireModel().manifest, {
        base: new URL(req.modelUrl, ctx.runtime.appBase),
        local: req.local ? [...req.local.files] : null,
      });
      return result;
    },
  };
}
