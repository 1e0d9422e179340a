import { numPatches } from '../mae/index.ts';
import { useStore } from '../state/store.ts';

/** "What am I looking at?" — a short account of MAE and of what the slider shows. */
export function Explainer() {
  const manifest = useStore((s) => s.model.manifest);
  // the loaded model's grid; before one is loaded, the paper's ViT setting as an example
  const patchText = manifest
    ? `${manifest.patchSize}×${manifest.patchSize}-pixel patches (${numPatches(manifest)} for its ${manifest.imgSize}-pixel input)`
    : 'square patches (16×16 pixels in the paper: 196 for a 224-pixel image)';
  return (
    <details className="explainer" data-testid="explainer">
      <summary>What am I looking at?</summary>
      <p>
        A <strong>Masked Autoencoder</strong> (He et al., CVPR 2022) cuts an image into{' '}
        <span data-testid="explainer-patches">{patchText}</span>, hides a random subset of them and learns to paint the hidden ones back.
        The <strong>encoder sees only the visible patches</strong>, with no placeholders for the hidden ones, which is why pre-training is
        cheap; a small decoder gets the encoder’s output plus one shared “mask token” per hidden patch and predicts their pixels. The loss
        is counted on the hidden patches only.
      </p>
      <p>
        Each row shows: <em>masked</em> (what the encoder gets; grey checks are hidden), <em>reconstruction</em> (the decoder’s guess for
        every patch), <em>reconstruction + visible</em> (the guess for the hidden patches pasted into the visible ones), and the{' '}
        <em>original</em>. “masked MSE” is that loss, in normalised pixel units.
      </p>
      <p>
        The paper trains with <strong>75%</strong> of the patches hidden: so little stays visible that copying neighbours is not enough and
        the model has to infer the scene. Kong et al. (CVPR 2023) give a theory: images come from a hierarchy of hidden causes, and MAE
        recovers the ones shared by the visible and the hidden parts. Both{' '}
        <strong>very high and very low masking ratios lead to low-level representations</strong> (texture, local colour); moderate ratios
        recover higher-level ones, and the <strong>patch size</strong> sets the level of what is learned too. Drag the slider to see the
        reconstructions and the error change.
      </p>
      <p data-testid="explainer-mask-strategy">
        <strong>How the patches are picked matters too.</strong> The MAE paper compares three ways (the <em>Mask</em> control):{' '}
        <em>random</em> sampling, which it uses and which works best; <em>block</em>-wise masking as in BEiT, which hides large regions
        together: it does reasonably at about half the patches but gets worse at high ratios, and its reconstructions get blurrier; and{' '}
        <em>grid</em>-wise sampling, which keeps one patch in every 2×2 at 75% (on an even grid): the easiest to fill in (lower training
        loss, sharper reconstructions), yet it learns a worse representation: a gap with visible neighbours on every side can be filled
        without much understanding of the scene. With <em>paint</em> you hide and show patches yourself.
      </p>
      {manifest && (
        <p className="fineprint" data-testid="model-description">
          This model: {manifest.name}
          {manifest.description ? ` — ${manifest.description}` : ''} Patch {manifest.patchSize}px, encoder {manifest.encoder.embedDim}-d ×{' '}
          {manifest.encoder.depth} blocks, decoder {manifest.decoder.embedDim}-d × {manifest.decoder.depth}
          {manifest.trainMaskRatio !== undefined ? `, trained at ${Math.round(manifest.trainMaskRatio * 100)}% masking` : ''}.
        </p>
      )}
    </details>
  );
}
