import { createDownFixture, type DownFixture } from './fixture.js';

export const GREET = 'export function greet(name) { return `hi ${name}`; }\n';
export const GREET_TEST =
  "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { greet } from './greet.mjs';\ntest('greet', () => assert.equal(greet('x'), 'hi x'));\n";

/** lib's change: greet renamed salute, its own test updated. */
export const LIB_RENAME: Record<string, string> = {
  'src/lib/greet.mjs': GREET.replace('greet', 'salute'),
  'src/lib/greet.test.mjs': GREET_TEST.replaceAll('{ greet }', '{ salute }').replace("greet('x')", "salute('x')"),
};

/** app's change: a new caller of the old name, with a test. */
export const APP_OLD_CALL: Record<string, string> = {
  'src/app/main.mjs': "import { greet } from '../lib/greet.mjs';\nexport const hello = () => greet('app');\n",
  'src/app/main.test.mjs':
    "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { hello } from './main.mjs';\ntest('hello', () => assert.equal(hello(), 'hi app'));\n",
};

/** lib renames greet → salute (and fixes its own caller); app adds a call to the old name: a clean merge that breaks. */
export function semanticConflict(extra: Record<string, unknown> = {}, sessions: Record<string, { owns: string[]; after?: string[] }> = {}): DownFixture {
  const fx = createDownFixture(
    { lib: { owns: ['src/lib/**'] }, app: { owns: ['src/app/**'] }, docs: { owns: ['docs/**'] }, ...sessions },
    { verify: 'node --test', ...extra },
  );
  fx.write('src/lib/greet.mjs', GREET);
  fx.write('src/lib/greet.test.mjs', GREET_TEST);
  fx.git('add', '-A');
  fx.git('commit', '-q', '-m', 'greet');
  for (const s of ['lib', 'app', 'docs']) fx.start(s);
  fx.commitIn('lib', LIB_RENAME, 'rename greet to salute');
  fx.commitIn('app', APP_OLD_CALL, 'app says hello');
  fx.commitIn('docs', { 'docs/guide.md': '# guide\n' });
  return fx;
}
