export function DropOverlay({ active }: { active: boolean }) {
  if (!active) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay">
      <div>Drop images to add them, or a model folder to open it</div>
    </div>
  );
}
