/**
 * @module fast-check arbitraries from the wire's TypeBox schemas: any value the schema allows, for
 * the kinds the wire uses (literals, unions, strings, whole numbers, numbers, booleans, arrays,
 * objects with optional fields, maps).
 */
import type { TSchema } from '@sinclair/typebox';
import fc from 'fast-check';

export function arbitraryOf(schema: TSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.anyOf) return fc.oneof(...(schema.anyOf as TSchema[]).map(arbitraryOf));
  switch (schema.type) {
    case 'string':
      // Whole code points; a maximum in UTF-16 units is kept by halving it.
      return fc.string({ unit: 'binary', maxLength: Math.min(24, Math.floor(((schema.maxLength as number | undefined) ?? 48) / 2)) });
    case 'integer': {
      const min = (schema.minimum as number | undefined) ?? Number.MIN_SAFE_INTEGER;
      return fc.oneof(fc.integer({ min: Math.max(min, -1000), max: 1000 }), fc.maxSafeInteger().filter((n) => n >= min));
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(arbitraryOf(schema.items as TSchema), { maxLength: 3 });
    case 'object': {
      if (schema.patternProperties) {
        const [value] = Object.values(schema.patternProperties as Record<string, TSchema>);
        return fc.dictionary(fc.string({ maxLength: 8 }), arbitraryOf(value!), { maxKeys: 3 });
      }
      const properties = schema.properties as Record<string, TSchema>;
      const record = Object.fromEntries(Object.entries(properties).map(([name, field]) => [name, arbitraryOf(field)]));
      return fc.record(record, { requiredKeys: (schema.required ?? []) as string[] });
    }
    default:
      throw new Error(`no arbitrary for a schema of type ${String(schema.type)}`);
  }
}
