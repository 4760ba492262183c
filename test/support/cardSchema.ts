// Validates rendered cards offline against the official Adaptive Card 1.5 schema in test/fixtures/schemas.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import * as fs from 'fs';
import * as path from 'path';

const SCHEMA_PATH = path.join(__dirname, '..', 'fixtures', 'schemas', 'adaptive-cards', '1.5.0', 'adaptive-card.json');

let validate: ReturnType<Ajv['compile']> | undefined;

function validator() {
  if (!validate) {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
    // The schema declares draft-06 but uses the draft-04 top-level `id` (schemas/README.md).
    schema.$id = schema.id;
    delete schema.id;
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addMetaSchema(draft06);
    addFormats(ajv);
    validate = ajv.compile(schema);
  }
  return validate;
}

/** Schema errors of a rendered card (empty when valid). The Teams-only `msteams` key is removed first. */
export function cardSchemaErrors(card: object): string[] {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { msteams, ...rest } = card as Record<string, unknown>;
  const v = validator();
  return v(rest) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
