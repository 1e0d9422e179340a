import { useStore } from '../state/store.ts';

export function Notice() {
  const notice = useStore((s) => s.notice);
  const setNotice = useStore((s) => s.setNotice);
  if (!notice) return null;
  return (
    <div className="banner" role="status" data-testid="notice">
      {notice}
      <button type="button" className="link" onClick={() => setNotice(null)}>
        dismiss
      </button>
    </div>
  );
}
