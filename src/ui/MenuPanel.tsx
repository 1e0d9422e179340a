import type { ReactNode } from 'react';

/**
 * The panel a header disclosure opens: in the page flow under the header (not a modal over the
 * pictures), titled, with a Close button. Kept mounted while closed (`hidden`), so what runs in it
 * (a download, a file picker's input) survives closing it.
 */
export function MenuPanel({
  id,
  title,
  open,
  onClose,
  testId,
  children,
}: {
  id: string;
  title: string;
  open: boolean;
  onClose: () => void;
  testId: string;
  children: ReactNode;
}) {
  return (
    <section id={id} className="menu-panel" hidden={!open} aria-labelledby={`${id}-title`} data-testid={testId}>
      <div className="menu-panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <button type="button" className="menu-close" aria-label={`Close ${title.toLowerCase()}`} onClick={onClose}>
          ×
        </button>
      </div>
      {children}
    </section>
  );
}
