// The code generator's schema model (rt_codegen --dump) against graphql-js buildSchema for the
// served SDL and tricky fixtures: type and directive order, kinds, descriptions, interfaces,
// possible types, fields, arguments, defaults as introspection prints them, deprecations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  buildSchema, astFromValue, print, isObjectType, isInterfaceType, isUnionType, isEnumType,
  isInputObjectType, isScalarType,
} from 'graphql';
import { ROOT, BIN, servedSdl } from './lib/harness.mjs';

const CODEGEN = process.env.RT_CODEGEN ?? join(dirname(BIN), 'rt_codegen');

const q = (s) => (s == null ? 'null' : JSON.stringify(s));
const kind = (t) => (isScalarType(t) ? 'SCALAR' : isObjectType(t) ? 'OBJECT' : isInterfaceType(t) ? 'INTERFACE'
  : isUnionType(t) ? 'UNION' : isEnumType(t) ? 'ENUM' : 'INPUT_OBJECT');
const dflt = (v) => {
  if (v.defaultValue === undefined) return '-';
  const ast = astFromValue(v.defaultValue, v.type);
  return ast ? print(ast) : '-';
};
const input = (what, v) =>
  `    ${what} ${v.name}: ${v.type} = ${dflt(v)} desc=${q(v.description)} deprecated=${q(v.deprecationReason)}`;

function expected(sdl) {
  const s = buildSchema(sdl);
  const out = [];
  const name = (t) => (t ? t.name : '-');
  out.push(`schema desc=${q(s.description)} query=${name(s.getQueryType())} mutation=${name(s.getMutationType())} `
    + `subscription=${name(s.getSubscriptionType())}`);
  for (const t of Object.values(s.getTypeMap())) {
    let line = `type ${t.name} ${kind(t)} desc=${q(t.description)}`;
    if (isScalarType(t) && t.specifiedByURL != null) line += ` specifiedBy=${q(t.specifiedByURL)}`;
    if (isInputObjectType(t) && t.isOneOf) line += ' oneOf';
    out.push(line);
    if (isObjectType(t) || isInterfaceType(t)) for (const i of t.getInterfaces()) out.push(`  implements ${i.name}`);
    if (isUnionType(t) || isInterfaceType(t)) for (const p of s.getPossibleTypes(t)) out.push(`  possible ${p.name}`);
    if (isObjectType(t) || isInterfaceType(t)) {
      for (const f of Object.values(t.getFields())) {
        out.push(`  field ${f.name}: ${f.type} desc=${q(f.description)} deprecated=${q(f.deprecationReason)}`);
        for (const a of f.args) out.push(input('arg', a));
      }
    }
    if (isEnumType(t)) {
      for (const v of t.getValues()) out.push(`  value ${v.name} desc=${q(v.description)} deprecated=${q(v.deprecationReason)}`);
    }
    if (isInputObjectType(t)) for (const f of Object.values(t.getFields())) out.push(input('input', f));
  }
  for (const d of s.getDirectives()) {
    out.push(`directive @${d.name} repeatable=${d.isRepeatable} locations=${d.locations.join('|')} desc=${q(d.description)}`);
    for (const a of d.args) out.push(input('arg', a));
  }
  return out.join('\n') + '\n';
}

const files = [
  ...readdirSync(join(ROOT, 'schema')).filter((f) => f.endsWith('.graphql')).map((f) => join(ROOT, 'schema', f)),
  ...readdirSync(join(ROOT, 'tests/node/fixtures/sdl')).map((f) => join(ROOT, 'tests/node/fixtures/sdl', f)),
];

for (const file of files) {
  test(`codegen model equals graphql-js buildSchema: ${file.slice(ROOT.length + 1)}`, () => {
    assert.ok(existsSync(CODEGEN), `rt_codegen not found at ${CODEGEN} (build first or set RT_CODEGEN)`);
    const got = execFileSync(CODEGEN, ['--dump', file], { encoding: 'utf8' });
    assert.equal(got, expected(servedSdl(file)));
  });
}
