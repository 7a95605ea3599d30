// PSTN figures live beside the provider tests; this re-export puts them in `npm run bench`.
export { run } from '../pstn/bench.ts';
