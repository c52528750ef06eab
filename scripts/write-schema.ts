// Prints the configuration's JSON Schema (`npm run schema` writes it to schema/parx.schema.json;
// a unit test fails when the committed file and the validator's schema disagree).
import { getConfigJsonSchema } from '../src/core/config-json-schema.js';

process.stdout.write(`${JSON.stringify(getConfigJsonSchema(), null, 2)}\n`);
