// Regenerates gql_syntax_cases.json: documents (the parser seed corpus, then seeded random
// mutations of it) paired with what graphql-js parse()+print() gives for each. Deterministic.
// Run from the repository root: node tests/unit/data/gen_gql_syntax_cases.mjs
import { parse, print } from 'graphql';
import fs from 'fs';
import path from 'path';

const dir = 'tests/fuzz/corpus/gql_parse';
const seeds = fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
  .filter((s) => s.length <= 600);
const alpha = [...'{}()[]!$&:=@|."\\ \n\t,#-+eE0123456789abcxyz_', '...', '"""', 'on ', 'query ', 'fragment ',
  'extend ', 'type ', '\\u', '\\u{', 'é', '😀', 'true', 'null', 'schema', 'directive @', 'repeatable',
  'implements ', '\r', '\ufeff', "'", '~', '\u0001'];
let seed = 12345;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const docs = [...seeds];
while (docs.length < 600) {
  let s = seeds[rnd(seeds.length)];
  for (let k = 1 + rnd(4); k > 0; k--) {
    const p = rnd(s.length + 1), op = rnd(3);
    const a = alpha[rnd(alpha.length)];
    if (op === 0 && s.length) s = s.slice(0, p) + s.slice(p + 1 + rnd(5));
    else if (op === 1) s = s.slice(0, p) + a + s.slice(p);
    else s = s.slice(0, p) + a + s.slice(p + 1 + rnd(3));
  }
  // A lone surrogate has no UTF-8 form: the C side would read U+FFFD instead, so skip those.
  if (!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) docs.push(s);
}
const cases = docs.map((src) => {
  try {
    const d = parse(src);
    return { src, want: `OK ${d.tokenCount}\n${print(d)}` };
  } catch (e) {
    return { src, want: `ERR ${e.message} @${e.locations[0].line}:${e.locations[0].column}` };
  }
});
fs.writeFileSync('tests/unit/data/gql_syntax_cases.json', JSON.stringify(cases, null, 0) + '\n');
console.log(`${cases.length} cases, ${cases.filter((c) => c.want.startsWith('OK')).length} parse`);
