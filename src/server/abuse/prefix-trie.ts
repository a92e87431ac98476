// A binary radix trie (PATRICIA: single-child chains collapsed) over bit-string prefixes, such
// as IPv4 (32 bits) or IPv6 (128 bits) network prefixes. Finding every stored prefix that
// covers an address walks one path from the root, so a check costs O(address bits) whatever
// the number of prefixes stored; adding or removing one prefix also walks one path. The trie
// holds at most two nodes per stored prefix, so 65,536 IPv6 ranges cost a few megabytes.
//
// Keys are arrays of 32-bit words, most significant bit first: word 0 holds bits 0-31. Nodes
// keep their keys as plain arrays (a typed array per node costs three times the memory).

type Key = ArrayLike<number>;

interface TrieNode<V> {
  /** The node's prefix: its first `length` bits are significant, every later bit is zero. */
  key: number[];
  length: number;
  value: V | undefined;
  /** Children whose next bit (bit `length`) is 0 or 1. */
  zero: TrieNode<V> | undefined;
  one: TrieNode<V> | undefined;
}

/** Bit `index` of `key` (0 = the most significant bit of word 0). */
function bitAt(key: Key, index: number): number {
  return ((key[index >>> 5] ?? 0) >>> (31 - (index & 31))) & 1;
}

/** How many leading bits `a` and `b` share, at most `limit`. */
function sharedBits(a: Key, b: Key, limit: number): number {
  const words = (limit + 31) >>> 5;
  for (let i = 0; i < words; i++) {
    const diff = ((a[i] ?? 0) ^ (b[i] ?? 0)) >>> 0;
    if (diff !== 0) return Math.min(limit, i * 32 + Math.clz32(diff));
  }
  return limit;
}

/** Whether the first `length` bits of `a` and `b` are equal. */
function samePrefix(a: Key, b: Key, length: number): boolean {
  const whole = length >>> 5;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = length & 31;
  if (rest === 0) return true;
  const mask = (0xffffffff << (32 - rest)) >>> 0;
  return (((a[whole] ?? 0) & mask) >>> 0) === (((b[whole] ?? 0) & mask) >>> 0);
}

/** A copy of `key` with every bit from `length` on cleared. */
function masked(key: Key, length: number, words: number): number[] {
  const out = new Array<number>(words);
  for (let i = 0; i < words; i++) {
    const kept = Math.min(32, Math.max(0, length - i * 32));
    out[i] = kept === 0 ? 0 : kept === 32 ? (key[i] ?? 0) >>> 0 : ((key[i] ?? 0) & (0xffffffff << (32 - kept))) >>> 0;
  }
  return out;
}

/** Prefixes of up to `bits` bits mapped to values; at most one value per exact prefix. */
export class PrefixTrie<V> {
  private readonly words: number;
  private readonly root: TrieNode<V>;
  private count = 0;

  constructor(readonly bits: number) {
    this.words = Math.max(1, Math.ceil(bits / 32));
    this.root = { key: new Array<number>(this.words).fill(0), length: 0, value: undefined, zero: undefined, one: undefined };
  }

  /** Stored prefixes. */
  get size(): number {
    return this.count;
  }

  /** Store `value` under the first `length` bits of `key`, replacing what was there. */
  set(key: Key, length: number, value: V): void {
    this.checkLength(length);
    const prefix = masked(key, length, this.words);
    let node = this.root;
    for (;;) {
      if (node.length === length) {
        if (node.value === undefined) this.count += 1;
        node.value = value;
        return;
      }
      const side = bitAt(prefix, node.length);
      const child = side ? node.one : node.zero;
      if (!child) {
        this.attach(node, side, { key: prefix, length, value, zero: undefined, one: undefined });
        this.count += 1;
        return;
      }
      const shared = sharedBits(child.key, prefix, Math.min(child.length, length));
      if (shared === child.length) {
        node = child;
        continue;
      }
      // The new prefix parts from the child's path before the child: a node at the fork.
      const fork: TrieNode<V> = { key: masked(prefix, shared, this.words), length: shared, value: undefined, zero: undefined, one: undefined };
      this.attach(fork, bitAt(child.key, shared), child);
      if (shared === length) fork.value = value;
      else this.attach(fork, bitAt(prefix, shared), { key: prefix, length, value, zero: undefined, one: undefined });
      this.attach(node, side, fork);
      this.count += 1;
      return;
    }
  }

  /** The value stored under exactly this prefix. */
  get(key: Key, length: number): V | undefined {
    return this.find(key, length)?.value;
  }

  /** Remove the value stored under exactly this prefix; false when there was none. */
  delete(key: Key, length: number): boolean {
    this.checkLength(length);
    const path: TrieNode<V>[] = [];
    let node: TrieNode<V> | undefined = this.root;
    while (node && node.length < length) {
      path.push(node);
      const next: TrieNode<V> | undefined = bitAt(key, node.length) ? node.one : node.zero;
      node = next && next.length <= length && samePrefix(next.key, key, next.length) ? next : undefined;
    }
    if (!node || node.length !== length || node.value === undefined) return false;
    node.value = undefined;
    this.count -= 1;
    // Collapse what no longer carries anything: a valueless leaf goes, a valueless node with
    // one child is replaced by that child (the root always stays).
    let current: TrieNode<V> = node;
    for (let parent = path.pop(); parent; current = parent, parent = path.pop()) {
      if (current.value !== undefined) return true;
      if (current.zero && current.one) return true;
      const only = current.zero ?? current.one;
      if (parent.zero === current) parent.zero = only;
      else parent.one = only;
      if (only) return true;
    }
    return true;
  }

  /** Call `visit` with every value whose prefix covers `address` (a full-length key), shortest prefix first. */
  covering(address: Key, visit: (value: V) => void): void {
    let node = this.root;
    if (node.value !== undefined) visit(node.value);
    while (node.length < this.bits) {
      const child = bitAt(address, node.length) ? node.one : node.zero;
      if (!child || !samePrefix(child.key, address, child.length)) return;
      if (child.value !== undefined) visit(child.value);
      node = child;
    }
  }

  /** Nodes in the trie, root included (at most 2 per stored prefix, plus the root): for tests and memory estimates. */
  nodeCount(): number {
    let nodes = 0;
    const stack: TrieNode<V>[] = [this.root];
    for (let node = stack.pop(); node; node = stack.pop()) {
      nodes += 1;
      if (node.zero) stack.push(node.zero);
      if (node.one) stack.push(node.one);
    }
    return nodes;
  }

  /** Remove every prefix. */
  clear(): void {
    this.root.value = undefined;
    this.root.zero = undefined;
    this.root.one = undefined;
    this.count = 0;
  }

  private find(key: Key, length: number): TrieNode<V> | undefined {
    this.checkLength(length);
    let node: TrieNode<V> | undefined = this.root;
    while (node && node.length < length) {
      const next: TrieNode<V> | undefined = bitAt(key, node.length) ? node.one : node.zero;
      node = next && next.length <= length && samePrefix(next.key, key, next.length) ? next : undefined;
    }
    return node && node.length === length ? node : undefined;
  }

  private attach(parent: TrieNode<V>, side: number, child: TrieNode<V>): void {
    if (side) parent.one = child;
    else parent.zero = child;
  }

  private checkLength(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.bits) throw new RangeError(`prefix length ${length} is outside 0..${this.bits}`);
  }
}
