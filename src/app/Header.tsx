import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useStore } from '../state/store.ts';
import { Explainer } from './Explainer.tsx';
import { ModelSources } from '../features/models/ModelSources.tsx';
import { ProviderBadge } from '../features/models/ProviderBadge.tsx';
import { MenuPanel } from '../ui/MenuPanel.tsx';
import { SettingsMenu } from './SettingsMenu.tsx';

type Panel = 'models' | 'settings';

/** A disclosure button: says whether its panel is open, and which element that panel is. */
function MenuButton({
  panel,
  open,
  onToggle,
  testId,
  children,
}: {
  panel: string;
  open: boolean;
  onToggle: () => void;
  testId: string;
  children: ReactNode;
}) {
  return (
    <button type="button" className="menu-button" aria-expanded={open} aria-controls={panel} data-testid={testId} onClick={onToggle}>
      {children}
      <svg className="chevron" viewBox="0 0 10 6" width="10" height="6" aria-hidden="true" focusable="false">
        <path d="M1 1l4 4 4-4" fill="none" stroke="currentColor" strokeWidth="1.6" />
      </svg>
    </button>
  );
}

/**
 * One compact bar, so the first screen shows the pictures (a phone included): the title, which model
 * runs on what, and two disclosures: "Models" (bundled, the official MAE from the hub, a file or folder
 * from this disk) and "Settings" (runtime, theme). Panels stay mounted while closed, so a hub download
 * or a file picker keeps going; Escape closes the open one and gives focus back to its button.
 */
export function Header() {
  const manifest = useStore((s) => s.model.manifest);
  const failed = useStore((s) => s.model.phase === 'error');
  const [open, setOpen] = useState<Panel | null>(null);
  const buttons = useRef<HTMLDivElement>(null);
  const toggle = (panel: Panel) => setOpen((current) => (current === panel ? null : panel));

  useEffect(() => {
    if (open === null) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      buttons.current?.querySelector<HTMLButtonElement>(`[aria-controls="${open}"]`)?.focus();
      setOpen(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);

  const close = () => {
    buttons.current?.querySelector<HTMLButtonElement>(`[aria-controls="${open}"]`)?.focus();
    setOpen(null);
  };
  return (
    <header className="header">
      <h1>MAE Playground</h1>
      <div className="header-actions" ref={buttons}>
        <MenuButton panel="models" open={open === 'models'} onToggle={() => toggle('models')} testId="models-toggle">
          Models
        </MenuButton>
        <MenuButton panel="settings" open={open === 'settings'} onToggle={() => toggle('settings')} testId="settings-toggle">
          <svg className="gear" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" strokeWidth="3" strokeDasharray="3.53 3.53" />
            <circle cx="12" cy="12" r="6" fill="none" stroke="currentColor" strokeWidth="3.5" />
          </svg>
          <span className="menu-label">Settings</span>
        </MenuButton>
      </div>
      <p className="subtitle">See what a Masked Autoencoder sees. Everything runs in your browser; no image leaves this machine.</p>
      <Explainer />
      <div className="model-status">
        <span className="model-name" data-testid="model-name" title={manifest?.description ?? ''}>
          {manifest ? manifest.name : failed ? 'No model loaded' : 'Loading model…'}
        </span>
        <ProviderBadge />
      </div>
      <MenuPanel id="models" title="Models" open={open === 'models'} onClose={close} testId="models-panel">
        <ModelSources active={open === 'models'} />
      </MenuPanel>
      <SettingsMenu id="settings" open={open === 'settings'} onClose={close} />
    </header>
  );
}
