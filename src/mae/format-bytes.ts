/**
 * Byte counts for people, in every message and label of the app: decimal units as file managers
 * and download dialogs show them ("2.4 KB", "11.1 MB", "448 MB", "1.32 GB", "512 bytes"): one
 * decimal under 100 of a unit, none from 100, up to two in GB; trailing zeros are dropped.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} bytes`;
  const trim = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (Math.abs(bytes) < 1e3) return `${Math.round(bytes)} bytes`;
  if (Math.abs(bytes) >= 1e9) return `${trim((bytes / 1e9).toFixed(2))} GB`;
  const [value, unit] = Math.abs(bytes) >= 1e6 ? [bytes / 1e6, 'MB'] : [bytes / 1e3, 'KB'];
  // 999.96 KB rounds to "1000 KB": say 1 MB instead
  if (Math.abs(value) >= 999.5) return formatBytes(Math.sign(bytes) * (unit === 'KB' ? 1e6 : 1e9));
  return `${trim(value.toFixed(Math.abs(value) < 100 ? 1 : 0))} ${unit}`;
}
