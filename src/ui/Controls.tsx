import { MaskStrategyControl } from './MaskStrategyControl.tsx';
import { RatioSlider } from './RatioSlider.tsx';
import { SeedControls } from './SeedControls.tsx';
import { UploadButton } from './UploadButton.tsx';

export function Controls() {
  return (
    <section className="controls" aria-label="Controls">
      <MaskStrategyControl />
      <RatioSlider />
      <SeedControls />
      <UploadButton />
    </section>
  );
}
