export function EmptyState() {
  return (
    <section className="empty" data-testid="empty-state">
      <p className="empty-title">No images yet</p>
      <p>Drop photos anywhere on this page, paste one with Ctrl+V, or use “Add your photos…”.</p>
    </section>
  );
}
