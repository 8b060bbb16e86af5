import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalize, CanonicalJsonError } from '../../src/evidence/canonical-json.ts';
import { merkleRoot } from '../../src/evidence/merkle.ts';
import { sha256Hex } from '../../src/evidence/hash.ts';

test('canonical JSON sorts keys by UTF-16 code units and drops whitespace', () => {
  const v = { b: 1, a: [true, null, 'x'], 'é': 2, A: { z: 1.5, y: -0 }, '\u{1F600}': 3, '\uFF5E': 4, u: undefined };
  // Code-unit order: 'A' < 'a' < 'b' < 'é' < U+D83D (high surrogate of 😀) < U+FF5E.
  assert.equal(canonicalize(v), '{"A":{"y":0,"z":1.5},"a":[true,null,"x"],"b":1,"é":2,"😀":3,"～":4}');
  assert.equal(canonicalize({ s: 'line\n"q"\u0001' }), '{"s":"line\\n\\"q\\"\\u0001"}');
  assert.equal(canonicalize([1e21, 1e-7, 0.1 + 0.2]), '[1e+21,1e-7,0.30000000000000004]');
});

test('canonical JSON is independent of insertion order', () => {
  assert.equal(canonicalize({ x: { b: 2, a: 1 }, y: 3 }), canonicalize({ y: 3, x: { a: 1, b: 2 } }));
});

test('canonical JSON refuses values JSON cannot hold', () => {
  assert.throws(() => canonicalize({ a: NaN }), CanonicalJsonError);
  assert.throws(() => canonicalize({ a: Infinity }), CanonicalJsonError);
  assert.throws(() => canonicalize({ a: Buffer.from('x') }), CanonicalJsonError);
  assert.throws(() => canonicalize({ a: () => 1 }), CanonicalJsonError);
});

test('Merkle root follows RFC 6962 hashing and changes with any leaf', () => {
  const leaf = (s: string) => Buffer.from(s);
  const h = (hex: string) => Buffer.from(hex, 'hex');
  const L = (s: string) => sha256Hex(Buffer.concat([Buffer.from([0]), leaf(s)]));
  const N = (a: string, b: string) => sha256Hex(Buffer.concat([Buffer.from([1]), h(a), h(b)]));
  assert.equal(merkleRoot([]), sha256Hex(Buffer.alloc(0)));
  assert.equal(merkleRoot([leaf('a')]), L('a'));
  // Three leaves split 2 + 1.
  assert.equal(merkleRoot(['a', 'b', 'c'].map(leaf)), N(N(L('a'), L('b')), L('c')));
  assert.notEqual(merkleRoot(['a', 'b', 'c'].map(leaf)), merkleRoot(['a', 'b', 'd'].map(leaf)));
  assert.notEqual(merkleRoot(['a', 'b'].map(leaf)), merkleRoot(['b', 'a'].map(leaf)));
});
