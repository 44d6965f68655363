/** The client-address parsers on hostile input: X-Forwarded-For, the PROXY protocol, CIDR ranges. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalAddress } from '../../src/transports/proxy/client-address.js';
import { forwardedClient } from '../../src/transports/proxy/forwarded-for.js';
import { PROXY_HEADER_MAX_BYTES, parseProxyHeader, type ProxyHeader } from '../../src/transports/proxy/proxy-header.js';
import { TrustedProxies, parseCidr } from '../../src/transports/proxy/trusted-proxies.js';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
const ipv6 = fc.ipV6();
const address = fc.oneof(ipv4, ipv6);
const port = fc.nat(65535);

function v2(command: number, family: number, body: Buffer, tlvs = Buffer.alloc(0)): Buffer {
  const head = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20 | command, family, 0, 0]);
  head.writeUInt16BE(body.length + tlvs.length, 14);
  return Buffer.concat([head, body, tlvs]);
}

function ipv6Bytes(written: string): Buffer {
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const text = written.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [head = '', tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function expectHeader(result: ProxyHeader, length: number, address: string | undefined): void {
  assert.deepEqual(result, { kind: 'header', length, address });
}

test('PROXY v1: TCP4, TCP6 and UNKNOWN headers name the client and say where its bytes start', () => {
  const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 51000 3000\r\n';
  expectHeader(parseProxyHeader(Buffer.from(line + 'hello\n')), line.length, '203.0.113.7');
  const six = 'PROXY TCP6 2001:DB8::0:1 ::1 51000 3000\r\n';
  expectHeader(parseProxyHeader(Buffer.from(six)), six.length, '2001:db8::1');
  expectHeader(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), 15, undefined);
  expectHeader(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff::1 ::1 1 2\r\n')), 31, undefined);
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7')), { kind: 'incomplete' });
  assert.deepEqual(parseProxyHeader(Buffer.alloc(0)), { kind: 'incomplete' });
  assert.deepEqual(parseProxyHeader(Buffer.from('PRO')), { kind: 'incomplete' });
});

test('PROXY v1: malformed headers are refused with a reason', () => {
  for (const line of [
    'PROXY TCP4 203.0.113.7 10.0.0.1 51000\r\n',
    'PROXY TCP4 ::1 10.0.0.1 1 2\r\n',
    'PROXY TCP6 1.2.3.4 ::1 1 2\r\n',
    'PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n',
    'PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n',
    'PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n',
    'PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n',
    'PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n',
    'PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n',
  ]) {
    const result = parseProxyHeader(Buffer.from(line));
    assert.equal(result.kind, 'refused', line);
    assert.match((result as { reason: string }).reason, /^malformed PROXY v1 header "PROXY /);
  }
  assert.equal(parseProxyHeader(Buffer.from('PROXY ' + 'x'.repeat(200))).kind, 'refused', 'no CR LF within 107 bytes');
  assert.deepEqual(parseProxyHeader(Buffer.from('/nick alice\n')), { kind: 'refused', reason: 'a trusted proxy must start with a PROXY protocol header (v1 or v2)' });
  assert.equal(parseProxyHeader(Buffer.from('GET / HTTP/1.1\r\n')).kind, 'refused');
});

test('PROXY v2: IPv4, IPv6, LOCAL, UNSPEC and TLVs; bad versions, commands and sizes refused', () => {
  const four = v2(1, 0x11, Buffer.from([203, 0, 113, 7, 10, 0, 0, 1, 0xc7, 0x38, 0x0b, 0xb8]));
  expectHeader(parseProxyHeader(Buffer.concat([four, Buffer.from('hi')])), four.length, '203.0.113.7');
  const six = v2(1, 0x21, Buffer.concat([ipv6Bytes('2001:db8::7'), ipv6Bytes('::1'), Buffer.alloc(4)]));
  expectHeader(parseProxyHeader(six), six.length, '2001:db8::7');
  const withTlvs = v2(1, 0x11, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2]), Buffer.from([0x04, 0, 3, 1, 2, 3]));
  expectHeader(parseProxyHeader(withTlvs), withTlvs.length, '1.2.3.4');
  expectHeader(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0))), 16, undefined);
  expectHeader(parseProxyHeader(v2(1, 0x00, Buffer.alloc(0))), 16, undefined);
  assert.equal(parseProxyHeader(v2(1, 0x12, Buffer.alloc(12))).kind, 'refused', 'UDP');
  assert.equal(parseProxyHeader(v2(1, 0x11, Buffer.alloc(8))).kind, 'refused', 'too short for IPv4');
  assert.equal(parseProxyHeader(v2(1, 0x21, Buffer.alloc(12))).kind, 'refused', 'too short for IPv6');
  assert.equal(parseProxyHeader(v2(2, 0x11, Buffer.alloc(12))).kind, 'refused', 'command 2');
  const version3 = v2(1, 0x11, Buffer.alloc(12));
  version3[12] = 0x31;
  assert.equal(parseProxyHeader(version3).kind, 'refused', 'version 3');
  const huge = v2(1, 0x11, Buffer.alloc(12));
  huge.writeUInt16BE(60_000, 14);
  assert.match((parseProxyHeader(huge) as { reason: string }).reason, /60000 bytes/, 'refused from its length field, before the bytes come');
});

const validHeaders = fc.oneof(
  fc.tuple(ipv4, ipv4, port, port).map(([s, d, sp, dp]) => ({ bytes: Buffer.from(`PROXY TCP4 ${s} ${d} ${sp} ${dp}\r\n`), address: s })),
  fc.tuple(ipv6, ipv6, port, port).map(([s, d, sp, dp]) => ({ bytes: Buffer.from(`PROXY TCP6 ${s} ${d} ${sp} ${dp}\r\n`), address: canonicalAddress(s) })),
  fc.tuple(ipv4, ipv4).map(([s, d]) => ({ bytes: v2(1, 0x11, Buffer.concat([Buffer.from(s.split('.').map(Number)), Buffer.from(d.split('.').map(Number)), Buffer.alloc(4)])), address: s })),
  fc.tuple(ipv6, ipv6).map(([s, d]) => ({ bytes: v2(1, 0x21, Buffer.concat([ipv6Bytes(s), ipv6Bytes(d), Buffer.alloc(4)])), address: canonicalAddress(s) })),
);

test('property: a valid header followed by anything is read whole, and every prefix of it waits for more', () => {
  fc.assert(
    fc.property(validHeaders, fc.uint8Array({ maxLength: 64 }), ({ bytes, address }, rest) => {
      expectHeader(parseProxyHeader(Buffer.concat([bytes, rest])), bytes.length, address);
      for (let n = 0; n < bytes.length; n++) assert.deepEqual(parseProxyHeader(bytes.subarray(0, n)), { kind: 'incomplete' }, `prefix of ${n}`);
    }),
    { numRuns: 300 },
  );
});

test('property: any bytes give a header, a wait or a refusal, never a throw; a header is never longer than the input or the cap', () => {
  const v2Like = fc.uint8Array({ maxLength: 80 }).map((tail) => Buffer.concat([Buffer.from('\r\n\r\n\0\r\nQUIT\n'), tail]));
  const v1Like = fc.string({ maxLength: 120 }).map((tail) => Buffer.from('PROXY ' + tail, 'utf8'));
  const anything = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b));
  fc.assert(
    fc.property(fc.oneof(v2Like, v1Like, anything), (bytes) => {
      const result = parseProxyHeader(bytes);
      if (result.kind === 'header') {
        assert.ok(result.length <= bytes.length && result.length <= PROXY_HEADER_MAX_BYTES);
        assert.ok(result.address === undefined || net.isIP(result.address) !== 0, result.address);
      } else if (result.kind === 'refused') {
        assert.equal(typeof result.reason, 'string');
        assert.ok(result.reason.length < 200, 'a refusal quotes at most a bounded echo');
      } else {
        assert.ok(bytes.length < PROXY_HEADER_MAX_BYTES, 'never waits past the cap');
      }
    }),
    { numRuns: 2000 },
  );
});

const TRUSTED = new TrustedProxies(['10.0.0.0/8', 'fd00::/8']);
const trusts = (a: string) => TRUSTED.trusts(a);

test('X-Forwarded-For: the rightmost address that is not a trusted proxy, only from a trusted peer', () => {
  assert.deepEqual(forwardedClient('10.0.0.2', '198.51.100.9', trusts), { ok: true, address: '198.51.100.9' });
  assert.deepEqual(forwardedClient('10.0.0.2', '6.6.6.6, 198.51.100.9, 10.0.0.5', trusts), { ok: true, address: '198.51.100.9' }, 'spoofed entries left of the client are ignored');
  assert.deepEqual(forwardedClient('10.0.0.2', 'not-an-ip, 198.51.100.9', trusts), { ok: true, address: '198.51.100.9' }, 'never read past the client');
  assert.deepEqual(forwardedClient('10.0.0.2', '10.1.1.1, 10.0.0.5', trusts), { ok: true, address: '10.1.1.1' }, 'all trusted: the leftmost');
  assert.deepEqual(forwardedClient('10.0.0.2', '::FFFF:198.51.100.9', trusts), { ok: true, address: '198.51.100.9' });
  assert.deepEqual(forwardedClient('10.0.0.2', undefined, trusts), { ok: true, address: '10.0.0.2' });
  assert.deepEqual(forwardedClient('::ffff:10.0.0.2', '198.51.100.9', trusts), { ok: true, address: '198.51.100.9' }, 'an IPv4-mapped peer is its IPv4 address');
  assert.deepEqual(forwardedClient('198.51.100.1', '1.1.1.1', trusts), { ok: true, address: '198.51.100.1' }, 'an untrusted peer names nobody');
  assert.deepEqual(forwardedClient('198.51.100.1', 'garbage', trusts), { ok: true, address: '198.51.100.1' }, 'nor can it be refused for what it sends');
  for (const header of ['', 'unknown', '198.51.100.9, ', '198.51.100.9:443', '[::1]', 'fe80::1%eth0', '1.2.3.4 5.6.7.8']) {
    const result = forwardedClient('10.0.0.2', header, trusts);
    assert.equal(result.ok, false, header);
  }
  const long = forwardedClient('10.0.0.2', 'x'.repeat(10_000), trusts);
  assert.ok(!long.ok && long.reason.length < 200, 'a refusal quotes a bounded echo');
});

test('property: X-Forwarded-For agrees with the walk-from-the-right model, and never throws on any text', () => {
  const entry = fc.oneof(address, fc.constantFrom('10.0.0.9', 'fd00::9', '10.200.0.1'));
  fc.assert(
    fc.property(fc.array(entry, { minLength: 1, maxLength: 6 }), (entries) => {
      const canonical = entries.map((e) => canonicalAddress(e)!);
      const untrusted = canonical.filter((a) => !trusts(a));
      const expected = untrusted.length > 0 ? untrusted[untrusted.length - 1]! : canonical[0]!;
      assert.deepEqual(forwardedClient('10.0.0.2', entries.join(', '), trusts), { ok: true, address: expected });
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.oneof(fc.constant('10.0.0.2'), ipv4), (header, peer) => {
      const result = forwardedClient(peer, header, trusts);
      if (result.ok) assert.ok(net.isIP(result.address) !== 0);
      else assert.ok(trusts(peer));
    }),
    { numRuns: 2000 },
  );
});

test('CIDR ranges: IPv4, IPv6, bare addresses; IPv4-mapped peers match IPv4 ranges', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(parseCidr(' ::1 '), { address: '::1', prefix: 128, family: 'ipv6' });
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/-1', 'localhost', '', 'fe80::/10%eth0', '10.0.0.0/08x']) {
    assert.throws(() => parseCidr(bad), Error, bad);
  }
  const proxies = new TrustedProxies(['127.0.0.1', '192.168.0.0/16', '2001:db8::/32']);
  assert.ok(proxies.trusts('127.0.0.1') && proxies.trusts('::ffff:127.0.0.1') && proxies.trusts('192.168.44.1') && proxies.trusts('2001:db8::42'));
  assert.ok(!proxies.trusts('127.0.0.2') && !proxies.trusts('10.0.0.1') && !proxies.trusts('::1') && !proxies.trusts('garbage') && !proxies.trusts(undefined));
  assert.ok(!new TrustedProxies([]).trusts('127.0.0.1'), 'nobody by default');
});

test('property: parseCidr accepts exactly an IP with an optional prefix in range', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), (text) => {
      try {
        const cidr = parseCidr(text);
        assert.ok(net.isIP(cidr.address) !== 0 && cidr.prefix <= (cidr.family === 'ipv4' ? 32 : 128));
      } catch (err) {
        assert.ok(err instanceof Error);
      }
    }),
  );
});
