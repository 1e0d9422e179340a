import { useStore } from '../state/store.ts';
import { ProviderSelect } from '../features/models/ProviderSelect.tsx';
import { ThemeSwitch } from '../features/theme/ThemeSwitch.tsx';
import { MenuPanel } from '../ui/MenuPanel.tsx';

/** "Settings": the runtime (with why the page runs on what it runs) and the theme. */
export function SettingsMenu({ id, open, onClose }: { id: string; open: boolean; onClose: () => void }) {
  const reason = useStore((s) => s.provider.reason);
  return (
    <MenuPanel id={id} title="Settings" open={open} onClose={onClose} testId="settings-panel">
      <div className="menu-section">
        <ProviderSelect />
        {reason && <p className="hint">{reason}</p>}
      </div>
      <div className="menu-section">
        <ThemeSwitch />
      </div>
    </MenuPanel>
  );
}
