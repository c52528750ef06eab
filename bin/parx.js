#!/usr/bin/env node
// `parx hook …` runs on every file write of an agent: it loads its own small bundle, not the CLI.
if (process.argv[2] === 'hook') {
  const { hookMain } = await import('../dist/hook/hook.js');
  await hookMain(process.argv.slice(3));
} else {
  const { main } = await import('../dist/main.js');
  await main();
}
