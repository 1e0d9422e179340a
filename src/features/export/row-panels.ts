/** The four panels of a row, in the order the page and the PNG export show them. */
export const ROW_PANELS = [
  { key: 'masked', label: 'masked' },
  { key: 'reconstruction', label: 'reconstruction' },
  { key: 'reconstructionWithVisible', label: 'reconstruction + visible' },
  { key: 'original', label: 'original' },
] as const;
