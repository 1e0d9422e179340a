import { CpuVariantHint } from './CpuVariantHint.tsx';
import { ImportedModelCard } from './ImportedModelCard.tsx';
import { ModelSelect } from './ModelSelect.tsx';
import { OpenModelFolder } from './OpenModelFolder.tsx';
import { OpenWeightsFile } from './OpenWeightsFile.tsx';
import { GetOfficialMae } from './hub/GetOfficialMae.tsx';

/**
 * Every way to get a model, in one place: the models bundled with the page, the official MAE from
 * the Hugging Face hub (downloaded only on request), and a weights file or model folder from this
 * disk. `active`: the panel is on screen (the hub list then reads what this device stores).
 */
export function ModelSources({ active }: { active: boolean }) {
  return (
    <div className="model-sources">
      <ImportedModelCard />
      <div className="menu-section">
        <h3>Bundled with the page</h3>
        <ModelSelect />
        <CpuVariantHint />
      </div>
      <div className="menu-section">
        <h3>Official MAE from the hub</h3>
        <GetOfficialMae active={active} />
      </div>
      <div className="menu-section">
        <h3>From your disk</h3>
        <OpenWeightsFile />
        <OpenModelFolder />
        <p className="hint">Or drop the file or folder anywhere on the page. It stays on this machine.</p>
      </div>
    </div>
  );
}
