// Writes the checked reference: docs/commands/<command>.md from the CLI's own declarations, and
// docs/configuration.md from the JSON Schema (`npm run docs`; a unit test fails when they drift).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProgram } from '../src/cli/main.js';
import { listCommands, pageName, renderCommandIndex, renderCommandPage, renderConfigurationPage } from '../src/cli/reference.js';
import { getConfigJsonSchema } from '../src/core/config-json-schema.js';

const root = process.argv[2] ?? '.';
const dir = join(root, 'docs', 'commands');
mkdirSync(dir, { recursive: true });
for (const file of readdirSync(dir)) rmSync(join(dir, file));
const program = createProgram();
const commands = listCommands(program);
for (const [path, command] of commands) writeFileSync(join(dir, pageName(path)), renderCommandPage(path, command, program.options));
writeFileSync(join(dir, 'README.md'), renderCommandIndex(commands));
writeFileSync(join(root, 'docs', 'configuration.md'), renderConfigurationPage(getConfigJsonSchema()));
