import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installCspListener } from './state/csp-log.ts';
import { maeWorker } from './app/worker-factory.ts';
import { Engine } from './app/engine.ts';
import { optionsFromUrl, writeModelParam } from './app/url-state.ts';
import { applyMaskParams, installMaskUrlSync, maskParamsFromUrl } from './features/mask/mask-url.ts';
import { useStore } from './state/store.ts';
import { App } from './app/App.tsx';
import { PageProviders } from './app/PageProviders.tsx';
import { registerServiceWorker } from './features/offline/register.ts';
import { applyTheme, storedTheme } from './features/theme/theme.ts';
import './styles.css';

installCspListener();
const opts = optionsFromUrl(window.location.search);
const store = useStore.getState();
if (opts.ratio !== null) store.setMaskRatio(opts.ratio);
if (opts.seed !== null) store.setSeed(opts.seed);
if (opts.same !== null) store.setSameMaskForAll(opts.same);
applyMaskParams(maskParamsFromUrl(window.location.search));
installMaskUrlSync();

const engine = new Engine({ ...opts, onActiveModel: writeModelParam }, maeWorker);
// Only the test build (vite build --mode e2e) has test hooks (window.__maeDebug, ?inject=, fault
// injection): in any other build this branch and the module it imports are not in the bundle
// (scripts/check-prod-build.mjs checks it).
if (import.meta.env.MODE === 'e2e') {
  void import('./testing/page-hooks.ts').then((hooks) => {
    hooks.installPageHooks(engine);
    engine.start();
  });
} else {
  engine.start();
}

applyTheme(storedTheme());
void registerServiceWorker();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <PageProviders engine={engine}>
      <App />
    </PageProviders>
  </StrictMode>,
);
