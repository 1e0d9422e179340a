import { useEffect, useState } from 'react';
import { dispatchDrop } from '../features/models/model-files.ts';
import { useStore } from '../state/store.ts';
import { useCameraActions } from '../features/camera/camera-actions.ts';
import { LiveRow } from '../features/camera/LiveRow.tsx';
import { CompareView } from '../features/compare/CompareView.tsx';
import { TheorySection } from '../features/theory/TheorySection.tsx';
import { Controls } from './Controls.tsx';
import { DropOverlay } from '../features/grid/DropOverlay.tsx';
import { Header } from './Header.tsx';
import { ImageGrid } from '../features/grid/ImageGrid.tsx';
import { LoadProgress } from '../features/models/LoadProgress.tsx';
import { Announcer } from '../ui/Announcer.tsx';
import { Notice } from '../ui/Notice.tsx';
import { OfflineStatus } from '../features/offline/OfflineStatus.tsx';
import { UploadProgress } from '../features/grid/UploadProgress.tsx';
import { useRowActions } from '../features/grid/row-actions.ts';
import { useModelActions } from '../features/models/model-actions.ts';

function hasFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes('Files');
}

/** Page layout, plus drop-anywhere and paste-an-image handling. */
export function App() {
  const rows = useRowActions();
  const models = useModelActions();
  const camera = useCameraActions();
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    let depth = 0;
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth += 1;
      setDragging(true);
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onLeave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      // A video plays in the live row (src/features/camera); a model folder (manifest.json, .onnx)
      // goes to the model loader; images get rows.
      const video = Array.from(e.dataTransfer?.files ?? []).find((f) => f.type.startsWith('video/'));
      if (video) {
        camera.playVideo(video);
        if ((e.dataTransfer?.files.length ?? 0) > 1)
          useStore.getState().setNotice(`Playing “${video.name}”; drop photos on their own to add them.`);
      } else if (e.dataTransfer) {
        dispatchDrop(e.dataTransfer, {
          images: (files) => rows.addFiles(files),
          model: (files) => models.loadLocalModel(files),
          notice: (message) => useStore.getState().setNotice(message),
        });
      }
    };
    const onPaste = (e: ClipboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) return;
      const files = Array.from(e.clipboardData?.files ?? []).filter((f) => f.type.startsWith('image/'));
      if (files.length > 0) {
        e.preventDefault();
        rows.addFiles(files);
      } else if ((e.clipboardData?.files.length ?? 0) > 0 || e.clipboardData?.types.includes('text/plain')) {
        useStore.getState().setNotice('The clipboard holds no image. Copy an image (not its address) and paste again.');
      }
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    window.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('paste', onPaste);
    };
  }, [rows, models, camera]);

  return (
    <div className="app">
      <Header />
      <main>
        <LoadProgress />
        <Notice />
        <UploadProgress />
        <Controls />
        <LiveRow />
        <ImageGrid />
        <CompareView />
        <TheorySection />
      </main>
      <footer className="footer">
        MAE: He et al., “Masked Autoencoders Are Scalable Vision Learners”, CVPR 2022 · Kong et al., “Understanding Masked Autoencoders via
        Hierarchical Latent Variable Models”, CVPR 2023 · runs with onnxruntime-web.
        <OfflineStatus />
      </footer>
      <DropOverlay active={dragging} />
      <Announcer />
    </div>
  );
}
