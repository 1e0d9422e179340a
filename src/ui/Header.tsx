import { useStore } from '../state/store.ts';
import { CpuVariantHint } from '../features/models/CpuVariantHint.tsx';
import { ModelSelect } from '../features/models/ModelSelect.tsx';
import { ImportedModelCard } from '../features/models/ImportedModelCard.tsx';
import { OpenModelFolder } from '../features/models/OpenModelFolder.tsx';
import { OpenWeightsFile } from '../features/models/OpenWeightsFile.tsx';
import { GetOfficialMae } from '../features/models/hub/GetOfficialMae.tsx';
import { ProviderBadge } from '../features/models/ProviderBadge.tsx';
import { ProviderSelect } from '../features/models/ProviderSelect.tsx';
import { ThemeSwitch } from '../features/theme/ThemeSwitch.tsx';

export function Header() {
  const manifest = useStore((s) => s.model.manifest);
  const failed = useStore((s) => s.model.phase === 'error');
  return (
    <header className="header">
      <div className="title">
        <h1>MAE Playground</h1>
        <p className="subtitle">See what a Masked Autoencoder sees. Everything runs in your browser; no image leaves this machine.</p>
      </div>
      <div className="header-side">
        <div className="model-name" data-testid="model-name" title={manifest?.description ?? ''}>
          {manifest ? manifest.name : failed ? 'No model loaded' : 'Loading model…'}
        </div>
        <ImportedModelCard />
        <ProviderBadge />
        <ModelSelect />
        <CpuVariantHint />
        <OpenModelFolder />
        <OpenWeightsFile />
        <GetOfficialMae />
        <ProviderSelect />
        <ThemeSwitch />
      </div>
    </header>
  );
}
