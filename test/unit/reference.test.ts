import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/main.js';
import { listCommands, pageName, renderCommandIndex, renderCommandPage, renderConfigurationPage } from '../../src/cli/reference.js';
import { getConfigJsonSchema } from '../../src/core/config-json-schema.js';

/** docs/commands and docs/configuration.md are what the CLI and the schema say (run `npm run docs` after changing them). */

const docs = new URL('../../docs/', import.meta.url);
const program = createProgram();
const commands = listCommands(program);

describe('the checked reference in docs/', () => {
  it.each(commands.map(([path, command]) => [path, command] as const))('docs/commands page of parx %s matches its declared options', (path, command) => {
    expect(readFileSync(new URL(`commands/${pageName(path)}`, docs), 'utf8')).toBe(renderCommandPage(path, command, program.options));
  });

  it('has a page for every command and none for a command that is gone', () => {
    const pages = readdirSync(new URL('commands/', docs)).filter((f) => f !== 'README.md');
    expect(pages.sort()).toEqual(commands.map(([path]) => pageName(path)).sort());
    expect(readFileSync(new URL('commands/README.md', docs), 'utf8')).toBe(renderCommandIndex(commands));
  });

  it('configuration.md lists every key of the schema', () => {
    expect(readFileSync(new URL('configuration.md', docs), 'utf8')).toBe(renderConfigurationPage(getConfigJsonSchema()));
  });

  it('a page names every visible option of its command', () => {
    for (const [path, command] of commands) {
      const page = renderCommandPage(path, command, program.options);
      for (const option of command.options.filter((o) => !o.hidden)) expect(page, `${path} ${option.flags}`).toContain(option.flags);
    }
  });
});
