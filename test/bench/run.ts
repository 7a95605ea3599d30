// `npm run bench`: runs every benchmark module in turn and prints its figures. Benchmarks
// print numbers against their targets; they never fail a build on timing.
// Usage: npm run bench [-- <name> ...]   (names: transfer, cli, relay, services, pstn, app, shell, suggest, office, office-receive)
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const all = ['transfer', 'cli', 'relay', 'services', 'pstn', 'app', 'shell', 'suggest', 'office', 'office-receive'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : all;

for (const name of names) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(file)) {
    console.log(`\n## ${name}: no benchmark yet`);
    continue;
  }
  console.log(`\n## ${name}`);
  const mod = (await import(file)) as { run: () => Promise<void> };
  await mod.run();
}
