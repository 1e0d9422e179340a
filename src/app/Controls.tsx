import { CameraControl } from '../features/camera/CameraControl.tsx';
import { MaskStrategyControl } from '../features/mask/MaskStrategyControl.tsx';
import { RatioSlider } from '../features/mask/RatioSlider.tsx';
import { SeedControls } from '../features/mask/SeedControls.tsx';
import { UploadButton } from '../features/grid/UploadButton.tsx';
import { PhotoModeControl } from '../features/grid/PhotoModeControl.tsx';

export function Controls() {
  return (
    <section className="controls" aria-label="Controls">
      <MaskStrategyControl />
      <RatioSlider />
      <SeedControls />
      <PhotoModeControl />
      <UploadButton />
      <CameraControl />
    </section>
  );
}
