import { create } from 'zustand';

export type GridView = 'rows' | 'paper';

/** Which view the image grid shows; rows by default. */
export const usePaperStore = create<{ view: GridView }>(() => ({ view: 'rows' }));
