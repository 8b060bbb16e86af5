// Merkle tree hash in the style of RFC 6962 (Certificate Transparency): leaves and inner
// nodes are domain-separated so a leaf can never be passed off as a node.
import { createHash } from 'node:crypto';

const h = (...parts: Buffer[]) => {
  const x = createHash('sha256');
  for (const p of parts) x.update(p);
  return x.digest();
};

export function merkleRoot(leaves: Buffer[]): string {
  return tree(leaves.map((l) => h(Buffer.from([0]), l))).toString('hex');
}

function tree(nodes: Buffer[]): Buffer {
  if (nodes.length === 0) return h();
  if (nodes.length === 1) return nodes[0];
  // Split at the largest power of two below n, as RFC 6962 does.
  let k = 1;
  while (k * 2 < nodes.length) k *= 2;
  return h(Buffer.from([1]), tree(nodes.slice(0, k)), tree(nodes.slice(k)));
}
