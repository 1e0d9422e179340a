// The real configuration lives in e2e/config.ts (type-checked with the project); run via `npm run test:e2e`.
export { default } from './e2e/config.ts';
