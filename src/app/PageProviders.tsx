import type { ReactNode } from 'react';
import { AttentionWorkerContext } from '../features/attention/attention-actions.ts';
import { CameraActionsContext } from '../features/camera/camera-actions.ts';
import { CompareActionsContext } from '../features/compare/compare-actions.ts';
import { RowActionsContext } from '../features/grid/row-actions.ts';
import { ModelActionsContext } from '../features/models/model-actions.ts';
import { SweepActionsContext } from '../features/sweep/sweep-actions.ts';
import type { Engine } from './engine.ts';

/**
 * Hands each feature the part of the page's engine that its components call (the model session,
 * the row pipeline, the sweep, the compare view), through the contexts the features declare
 * themselves: so features never import the engine, and the engine stays the one place that
 * wires them together.
 */
export function PageProviders({ engine, children }: { engine: Engine; children: ReactNode }) {
  return (
    <ModelActionsContext.Provider value={engine.session}>
      <RowActionsContext.Provider value={engine.rows}>
        <SweepActionsContext.Provider value={engine.sweep}>
          <CompareActionsContext.Provider value={engine.compare}>
            <CameraActionsContext.Provider value={engine.camera}>
              <AttentionWorkerContext.Provider value={engine.session}>{children}</AttentionWorkerContext.Provider>
            </CameraActionsContext.Provider>
          </CompareActionsContext.Provider>
        </SweepActionsContext.Provider>
      </RowActionsContext.Provider>
    </ModelActionsContext.Provider>
  );
}
