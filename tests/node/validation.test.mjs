// Differential validation test (issue 3): every document of tests/node/corpus/validation is run
// through graphql-js (parse, then validate against buildSchema(schema/*.graphql)) and through the
// server over GraphQL-over-HTTP (POST /v1/graphql, Accept: application/json). A document that
// graphql-js rejects must come back as {"errors": [...]} with the same messages and locations in
// the same order; a document graphql-js accepts must get past validation (executed, or refused
// only for being a subscription over HTTP).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema, parse, validate, Kind, Lexer, Source, typeFromAST, isNonNullType, isListType, isEnumType, isInputObjectType,
  isScalarType, getNullableType,
} from 'graphql';
import { startServer, ROOT, servedSdl } from './lib/harness.mjs';

// The served schema (gql_schema_blobhub); schema/ also holds ingestion-only SDL.
const schema = buildSchema(servedSdl());

const corpusDir = join(ROOT, 'tests', 'node', 'corpus', 'validation');
const corpus = readdirSync(corpusDir).filter((f) => f.endsWith('.graphql')).sort()
  .map((name) => ({ name, text: readFileSync(join(corpusDir, name), 'utf8') }));

const shape = (e) => (e.locations ? { message: e.message, locations: e.locations } : { message: e.message });

// What graphql-js says about a document: the parse error, or validate()'s list (which may be
// empty). validate() itself throws for a few subscription documents; that error is the answer.
function reference(text) {
  let doc;
  try {
    doc = parse(text);
  } catch (e) {
    return { doc: null, errors: [shape(e.toJSON())] };
  }
  try {
    return { doc, errors: validate(schema, doc).map((e) => shape(e.toJSON())) };
  } catch (e) {
    return { doc, errors: [shape(e.toJSON())] };
  }
}

// A value for a variable of the given type, so that accepted documents also pass variable coercion.
function sampleValue(type) {
  const t = getNullableType(type);
  if (isListType(t)) return [sampleValue(t.ofType)];
  if (isEnumType(t)) return t.getValues()[0].name;
  if (isInputObjectType(t)) {
    const o = {};
    for (const f of Object.values(t.getFields())) if (isNonNullType(f.type)) o[f.name] = sampleValue(f.type);
    return o;
  }
  if (isScalarType(t)) return { Int: 1, Float: 1.5, Boolean: true, String: 's', ID: '1' }[t.name] ?? 'x';
  return null;
}

function sampleVariables(op) {
  const vars = {};
  for (const vd of op.variableDefinitions ?? []) {
    const t = typeFromAST(schema, vd.type);
    if (t && isNonNullType(t) && !vd.defaultValue) vars[vd.variable.name.value] = sampleValue(t);
  }
  return vars;
}

let srv;
let url;
before(async () => {
  srv = await startServer();
  url = `${srv.httpUrl}/v1/graphql`;
});
after(async () => { await srv?.stop(); });

async function ask(query, operationName, variables) {
  const body = { query };
  if (operationName) body.operationName = operationName;
  if (variables) body.variables = variables;
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text };
}

describe('validation corpus', () => {
  it('has at least 300 documents, valid and invalid, covering every rule', () => {
    assert.ok(corpus.length >= 300, `only ${corpus.length} documents`);
    // The server refuses documents over 2000 tokens (QUERY_TOO_COMPLEX) before validating them.
    for (const { name, text } of corpus) {
      let n = 0;
      try {
        const lexer = new Lexer(new Source(text));
        while (lexer.advance().kind !== '<EOF>') n++;
      } catch { /* syntax error documents: counted up to the error */ }
      assert.ok(n <= 2000, `${name} has ${n} tokens, over the server's limit`);
    }
    const all = corpus.map((c) => reference(c.text));
    const messages = all.flatMap((r) => r.errors.map((e) => e.message));
    assert.ok(all.filter((r) => r.errors.length === 0).length >= 50, 'too few valid documents');
    // one pattern per rule of graphql-js's specifiedRules
    const rules = {
      ExecutableDefinitions: /definition is not executable/,
      UniqueOperationNames: /There can be only one operation named/,
      LoneAnonymousOperation: /anonymous operation must be the only defined operation/,
      SingleFieldSubscriptions: /must select only one top level field/,
      SingleFieldSubscriptionsIntrospection: /must not select an introspection top level field/,
      KnownTypeNames: /^Unknown type "/,
      FragmentsOnCompositeTypes: /cannot condition on non composite type/,
      VariablesAreInputTypes: /cannot be non-input type/,
      ScalarLeafs: /must have a selection of subfields|must not have a selection since/,
      FieldsOnCorrectType: /^Cannot query field/,
      UniqueFragmentNames: /There can be only one fragment named/,
      KnownFragmentNames: /^Unknown fragment "/,
      NoUnusedFragments: /is never used\.$/,
      PossibleFragmentSpreads: /cannot be spread here as objects of type/,
      NoFragmentCycles: /^Cannot spread fragment/,
      UniqueVariableNames: /There can be only one variable named/,
      NoUndefinedVariables: /^Variable "\$[A-Za-z0-9_]+" is not defined/,
      NoUnusedVariables: /is never used( in operation|\.)/,
      KnownDirectives: /^Unknown directive|may not be used on/,
      UniqueDirectivesPerLocation: /can only be used once at this location/,
      KnownArgumentNames: /^Unknown argument "/,
      UniqueArgumentNames: /There can be only one argument named/,
      ValuesOfCorrectType: /cannot represent|^Expected value of type|is not defined by type|does not exist in/,
      ProvidedRequiredArguments: /is required, but it was not provided/,
      VariablesInAllowedPosition: /used in position expecting type/,
      OverlappingFieldsCanBeMerged: /conflict because/,
      UniqueInputFieldNames: /There can be only one input field named/,
      MaxIntrospectionDepth: /Maximum introspection depth exceeded/,
      ErrorLimit: /Too many validation errors/,
      Syntax: /^Syntax Error/,
    };
    for (const [rule, re] of Object.entries(rules)) {
      const n = messages.filter((m) => re.test(m)).length;
      assert.ok(n >= 1, `no corpus document exercises ${rule}`);
    }
  });

  it('the server agrees with graphql-js on every document', async () => {
    const failures = [];
    let matched = 0;
    for (const { name, text } of corpus) {
      const ref = reference(text);
      if (ref.errors.length > 0) {
        const r = await ask(text);
        const got = r.json && Array.isArray(r.json.errors) ? r.json.errors.map(shape) : r.text;
        const ok = r.json && !('data' in r.json) && JSON.stringify(got) === JSON.stringify(ref.errors);
        if (ok) matched++;
        else failures.push(`${name}: rejected by graphql-js\n  want ${JSON.stringify(ref.errors)}\n  got  ${r.status} ${JSON.stringify(got)}`);
        continue;
      }
      // Accepted: run the first operation (named, so documents with several operations execute),
      // with a value for each required variable.
      const op = ref.doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      const r = await ask(text, op.name?.value, sampleVariables(op));
      let ok;
      if (op.operation === 'subscription') {
        ok = r.json && !('data' in r.json) &&
          JSON.stringify(r.json.errors?.map((e) => e.message)) === JSON.stringify(['Subscriptions are not supported']);
      } else {
        ok = r.status === 200 && r.json && 'data' in r.json;
      }
      if (ok) matched++;
      else failures.push(`${name}: accepted by graphql-js, but the server answered ${r.status} ${r.text.slice(0, 600)}`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${corpus.length} documents differ:\n${failures.join('\n')}`);
    assert.equal(matched, corpus.length);
  });
});
