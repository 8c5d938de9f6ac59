// Validates an AsyncAPI document: the AsyncAPI parser's diagnostics, then every Avro payload schema through the
// Avro schema parser (for AsyncAPI 3 documents the parser converts those schemas without validating them).
// Usage: node validate.mjs FILE. Prints every diagnostic; exits 1 when one is an error.
import { readFile } from 'node:fs/promises';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import { AvroSchemaParser } from '@asyncapi/avro-schema-parser';

const file = process.argv[2];
if (!file) {
  console.error('usage: node validate.mjs FILE');
  process.exit(2);
}
const text = await readFile(file, 'utf8');
const avro = AvroSchemaParser();
const parser = new Parser();
parser.registerSchemaParser(avro);
const { document, diagnostics } = await parser.parse(text, { source: file });
const names = { 0: 'error', 1: 'warning', 2: 'information', 3: 'hint' };
let errors = 0;
for (const d of diagnostics) {
  if (d.severity === DiagnosticSeverity.Error) {
    errors++;
  }
  console.log(`${names[d.severity] ?? d.severity} ${d.code} at /${(d.path ?? []).join('/')}: ${d.message}`);
}

let avroSchemas = 0;
const raw = JSON.parse(text);
for (const [id, message] of Object.entries(raw.components?.messages ?? {})) {
  const payload = message.payload;
  if (payload && avro.getMimeTypes().includes(payload.schemaFormat)) {
    avroSchemas++;
    const path = ['components', 'messages', id, 'payload', 'schema'];
    for (const problem of await avro.validate({ data: payload.schema, path, asyncapi: { semver: {} } })) {
      errors++;
      console.log(`error avro-schema at /${path.join('/')}: ${problem.message}`);
    }
  }
}

if (!document || errors > 0) {
  console.log(`INVALID: ${errors} error(s)`);
  process.exit(1);
}
console.log(`VALID: ${file} (AsyncAPI ${document.version()}, ${document.channels().length} channels, `
  + `${document.allMessages().length} messages, ${avroSchemas} Avro schemas, `
  + `${diagnostics.length} diagnostic(s) below error)`);
