import * as z from 'zod/mini';
import { configSchema } from './config-schema.js';

type JsonSchema = { [key: string]: unknown };

/**
 * The JSON Schema of a configuration file, from the very schema the validator parses with, so
 * that what an editor completes and flags is what parx accepts. Two things zod does not say
 * and parx enforces: an unknown key is an error (config-validate.ts), hence
 * `additionalProperties: false` on every fixed-key object; and input types (a default makes a
 * key optional).
 */
export function getConfigJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  closeObjects(schema);
  return {
    $schema: schema.$schema,
    $id: 'https://unpkg.com/parx/schema/parx.schema.json',
    title: 'parx configuration',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

function closeObjects(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(closeObjects);
  if (typeof node !== 'object' || node === null) return;
  const object = node as JsonSchema;
  if (object.type === 'object' && object.properties && object.additionalProperties === undefined) object.additionalProperties = false;
  Object.values(object).forEach(closeObjects);
}
