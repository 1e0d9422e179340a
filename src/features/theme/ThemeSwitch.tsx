import { useState } from 'react';
import { applyTheme, storedTheme, type ThemeChoice } from './theme.ts';

/** Theme: follow the system (default), or always light / always dark. */
export function ThemeSwitch() {
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  return (
    <label className="theme-switch">
      <span>Theme</span>
      <select
        data-testid="theme-select"
        value={choice}
        onChange={(e) => {
          const next = e.target.value as ThemeChoice;
          setChoice(next);
          applyTheme(next);
        }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
