// The pure TypeScript core of the playground: no DOM, no React, no runtime import of onnxruntime.
export * from './image.ts';
export * from './image-sniff.ts';
export * from './crc32.ts';
export * from './format-bytes.ts';
export * from './patchify.ts';
export * from './masking.ts';
export * from './mask-strategies.ts';
export * from './composite.ts';
export * from './metrics.ts';
export * from './model-contract.ts';
export * from './model-checks.ts';
export * from './reconstruct.ts';
export * from './features.ts';
export * from './compare-mask.ts';
export * from './base64.ts';
export * from './error-text.ts';
