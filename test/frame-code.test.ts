// The frame code's TypeScript port (lib/web/frame-code.ts): it round-trips at every size and
// after halving, rejects damage and noise rather than misreading, writes the same bytes as the
// C++ writer and reads a damage corpus as the C++ reader does (digests made with
// cpp/src/media/frame_code.cpp), and in relayed calls the C++ media check reads codes the TS
// writer drew (pushed I420 and RGBA frames) while the TS reader reads the C++ test pattern.
import test, { type ExecutionContext } from 'ava';
import * as crypto from 'node:crypto';
import * as zlib from 'node:zlib';
import * as otc from '../lib/index';
import {
  FRAME_CODE_COLUMNS, FRAME_CODE_ROWS, type FrameCode, codeBandHeight, grayFromLuma, lumaFromRgba, readFrameCode, writeFrameCode,
} from '../lib/web/frame-code';
import { startServer } from './server/helpers/server';
import { sleep, until } from './helpers/wait';

const API_KEY = '47000001';

/** A plane with padding after each row, so a stride mistake shows. */
interface Plane {
  width: number;
  height: number;
  stride: number;
  pixels: Uint8Array;
}

function plane(width: number, height: number, fill = 0): Plane {
  const stride = width + 5;
  return { width, height, stride, pixels: new Uint8Array(stride * height).fill(fill) };
}

const read = (p: Plane): FrameCode | null => readFrameCode(p.pixels, p.stride, p.width, p.height);
const write = (code: FrameCode, p: Plane): void => writeFrameCode(code, p.pixels, p.stride, p.width, p.height);

/** mulberry32: deterministic uint32s. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return (x ^ (x >>> 14)) >>> 0;
  };
}

function noisePlane(width: number, height: number, next: () => number): Plane {
  const p = plane(width, height);
  for (let i = 0; i < p.pixels.length; i++) p.pixels[i] = next() & 0xff;
  return p;
}

/** Box filter to half the size (odd sizes drop the last row / column). */
function halved(p: Plane): Plane {
  const out = plane(Math.floor(p.width / 2), Math.floor(p.height / 2));
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const at = 2 * y * p.stride + 2 * x;
      const sum = p.pixels[at]! + p.pixels[at + 1]! + p.pixels[at + p.stride]! + p.pixels[at + p.stride + 1]!;
      out.pixels[y * out.stride + x] = (sum + 2) >> 2;
    }
  }
  return out;
}

/** The band's block edges, as the writer places them. */
function blockRect(p: Plane, row: number, column: number): { x0: number; x1: number; y0: number; y1: number } {
  const rowScale = Math.min(2 * FRAME_CODE_ROWS * p.width, FRAME_CODE_COLUMNS * p.height);
  const rowEdge = (r: number): number => Math.floor((2 * r * rowScale + 2 * FRAME_CODE_ROWS * FRAME_CODE_COLUMNS) / (4 * FRAME_CODE_ROWS * FRAME_CODE_COLUMNS));
  const columnEdge = (c: number): number => Math.floor((2 * c * p.width + FRAME_CODE_COLUMNS) / (2 * FRAME_CODE_COLUMNS));
  return { x0: columnEdge(column), x1: columnEdge(column + 1), y0: rowEdge(row), y1: rowEdge(row + 1) };
}

/**
 * Paints the left `percent` of data block `dataBlock` (row-major, sync columns skipped) in the
 * level opposite to its own: 100 flips it, about 50..70 leaves it mostly stale (a weak block).
 */
function flipBlock(p: Plane, dataBlock: number, percent = 100): void {
  const data = FRAME_CODE_COLUMNS - 2;
  const { x0, x1, y0, y1 } = blockRect(p, Math.floor(dataBlock / data), 1 + (dataBlock % data));
  const level = p.pixels[Math.floor((y0 + y1) / 2) * p.stride + Math.floor((x0 + x1) / 2)]! > 128 ? 16 : 235;
  const end = x0 + Math.round(((x1 - x0) * percent) / 100);
  for (let y = y0; y < y1; y++) p.pixels.fill(level, y * p.stride + x0, y * p.stride + end);
}

/** Fills block (row, column) of the band with one flat level. */
function paintBlock(p: Plane, row: number, column: number, level: number): void {
  const { x0, x1, y0, y1 } = blockRect(p, row, column);
  for (let y = y0; y < y1; y++) p.pixels.fill(level, y * p.stride + x0, y * p.stride + x1);
}

const SIZES: Array<[number, number]> = [[32, 6], [64, 36], [320, 180], [640, 360], [641, 361], [1280, 720]];

function sampleCodes(count: number, seed: number): FrameCode[] {
  const codes: FrameCode[] = [
    { frameNumber: 0, captureTimeMs: 0 }, { frameNumber: 0xffffffff, captureTimeMs: 0xffffffff },
    { frameNumber: 1, captureTimeMs: 0x80000000 }, { frameNumber: 0xaaaaaaaa, captureTimeMs: 0x55555555 },
    { frameNumber: 0, captureTimeMs: 0xffffffff }, { frameNumber: 0xffffffff, captureTimeMs: 0 },
  ];
  const next = random(seed);
  for (let i = 0; codes.length < count; i++) codes.push({ frameNumber: i, captureTimeMs: next() }, { frameNumber: next(), captureTimeMs: next() });
  return codes;
}

const describe = (code: FrameCode | null): string => (code ? `${code.frameNumber},${code.captureTimeMs}` : 'null');

test('the band: 32x6 and up, proportional to the width, at most half the height', (t) => {
  t.is(codeBandHeight(31, 100), 0);
  t.is(codeBandHeight(32, 5), 0);
  t.is(codeBandHeight(32, 6), 3);
  t.is(codeBandHeight(320, 180), 30);
  t.is(codeBandHeight(640, 360), 60);
  t.is(codeBandHeight(1280, 720), 120);
  t.is(codeBandHeight(1280, 100), 50, 'a flat frame: half its height');
  t.is(codeBandHeight(0, 0), 0);
  t.is(codeBandHeight(-64, 36), 0);
});

test('TS write -> TS read round-trips every code at every size, over the previous code and over noise', (t) => {
  const codes = sampleCodes(300, 7);
  for (const [width, height] of SIZES) {
    const p = noisePlane(width, height, random(width));
    const below = p.pixels.slice(codeBandHeight(width, height) * p.stride);
    for (const code of codes) {
      write(code, p);
      const back = read(p);
      if (describe(back) !== describe(code)) t.fail(`${width}x${height}: wrote ${describe(code)}, read ${describe(back)}`);
    }
    t.deepEqual(p.pixels.slice(codeBandHeight(width, height) * p.stride), below, `${width}x${height}: nothing written below the band`);
  }
  t.pass();
});

test('the code survives halving with a box filter (not at 32x6: a 16x3 copy cannot hold it)', (t) => {
  for (const code of sampleCodes(60, 11)) {
    for (const [width, height] of SIZES) {
      const p = noisePlane(width, height, random(height));
      write(code, p);
      const half = halved(p);
      const expected = width >= 64 ? describe(code) : 'null';
      t.is(describe(read(half)), expected, `${width}x${height} -> ${half.width}x${half.height}`);
      if (width >= 1280) t.is(describe(read(halved(half))), expected, `${width}x${height} quartered`);
    }
  }
});

test('the check is the low 26 bits of the reflected IEEE CRC-32 of the payload, big-endian', (t) => {
  const p = plane(640, 360);
  for (const code of sampleCodes(40, 3)) {
    write(code, p);
    let bits = '';
    for (let block = 64; block < 90; block++) {
      const { x0, x1, y0, y1 } = blockRect(p, Math.floor(block / 30), 1 + (block % 30));
      bits += p.pixels[Math.floor((y0 + y1) / 2) * p.stride + Math.floor((x0 + x1) / 2)]! > 128 ? '1' : '0';
    }
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(code.frameNumber, 0);
    payload.writeUInt32BE(code.captureTimeMs, 4);
    t.is(parseInt(bits, 2), zlib.crc32(payload) & 0x3ffffff, describe(code));
  }
});

/** How flipping each data block changes the check: the CRC is affine, so differences are linear. */
function checkDifferences(): number[] {
  const crc26 = (payload: Buffer): number => zlib.crc32(payload) & 0x3ffffff;
  const zero = crc26(Buffer.alloc(8));
  const columns: number[] = [];
  for (let bit = 0; bit < 64; bit++) {
    const payload = Buffer.alloc(8);
    payload[bit >> 3] = 0x80 >> (bit & 7);
    columns.push(crc26(payload) ^ zero);
  }
  for (let bit = 0; bit < 26; bit++) columns.push(1 << (25 - bit));
  return columns;
}

/**
 * Sets of up to 5 data blocks whose flips together keep the check valid (none if the minimum
 * distance is 6 or more), and one set of 6 that does: sums of up to 2 differences must all
 * differ, and no sum of 3 may equal one of them; two triples with one sum make a set of 6.
 */
function codeDistance(): { upToFive: string[]; six: number[] | null } {
  const columns = checkDifferences();
  const upToFive: string[] = [];
  const upToTwo = new Map<number, string>([[0, 'none']]);
  const add = (sum: number, blocks: string): void => {
    const other = upToTwo.get(sum);
    if (other !== undefined) upToFive.push(`${blocks} / ${other}`);
    upToTwo.set(sum, blocks);
  };
  for (let a = 0; a < 90; a++) {
    add(columns[a]!, `${a}`);
    for (let b = a + 1; b < 90; b++) add(columns[a]! ^ columns[b]!, `${a},${b}`);
  }
  const triples = new Map<number, number[]>();
  let six: number[] | null = null;
  for (let a = 0; a < 90; a++) {
    for (let b = a + 1; b < 90; b++) {
      for (let c = b + 1; c < 90; c++) {
        const sum = columns[a]! ^ columns[b]! ^ columns[c]!;
        const two = upToTwo.get(sum);
        if (two !== undefined) upToFive.push(`${a},${b},${c} / ${two}`);
        const other = triples.get(sum);
        if (other) six ??= [...other, a, b, c];
        else triples.set(sum, [a, b, c]);
      }
    }
  }
  return { upToFive, six };
}

test('any 1..5 flipped blocks fail the check, some 6 pass: the minimum distance 6 the C++ claims', (t) => {
  const { upToFive, six } = codeDistance();
  t.deepEqual(upToFive.slice(0, 5), [], `${upToFive.length} sets of up to 5 blocks keep the check valid`);
  t.not(six, null);
  // And for real: those 6 blocks flipped in a written code read as another valid code.
  const p = plane(640, 360);
  const code = { frameNumber: 0x01020304, captureTimeMs: 0xa0b0c0d0 };
  write(code, p);
  for (const block of six!) flipBlock(p, block);
  const other = read(p);
  t.not(other, null);
  t.notDeepEqual(other, code);
});

test('three weak wrong blocks that two codes explain equally well are rejected, not guessed', (t) => {
  const six = codeDistance().six!;
  for (const [width, height] of [[320, 180], [640, 360], [1280, 720]] as const) {
    const code = { frameNumber: 0x01020304, captureTimeMs: 0xa0b0c0d0 };
    const p = plane(width, height);
    write(code, p);
    // 60% painted: most samples turned, a wrong but weak block; 40%: a right but as weak one.
    for (const block of six.slice(0, 3)) flipBlock(p, block, 60);
    t.deepEqual(read(p), code, `${width}x${height}: three weak wrong blocks are repaired`);
    for (const block of six.slice(3)) flipBlock(p, block, 40);
    t.is(read(p), null, `${width}x${height}: flipping either three gives a valid code`);
  }
});

test('a block exactly at the threshold reads black (white is above it), as in C++', (t) => {
  for (const [frameNumber, expected] of [[0, 'read'], [0xf0000000, 'null']] as const) {
    const p = plane(640, 360);
    const code = { frameNumber, captureTimeMs: 0 };
    write(code, p);
    // Flat sync blocks at 236 and 16 put the threshold at 126 x 64 samples; the first 4 data
    // blocks (frame number bits 31..28) at 126 read 0: right for 0, and for 0xf0000000 4 wrong
    // blocks, beyond repair (read as 1, the other way round).
    for (let row = 0; row < FRAME_CODE_ROWS; row++) {
      paintBlock(p, row, 0, row % 2 === 0 ? 236 : 16);
      paintBlock(p, row, FRAME_CODE_COLUMNS - 1, row % 2 === 0 ? 16 : 236);
    }
    for (let column = 1; column <= 4; column++) paintBlock(p, 0, column, 126);
    t.is(describe(read(p)), expected === 'read' ? describe(code) : 'null', `frame number ${frameNumber}`);
  }
});

test('whole data blocks flipped (1 or 2): never a wrong code', (t) => {
  const next = random(5);
  let nulls = 0;
  let trials = 0;
  for (const [width, height] of SIZES.filter(([w]) => w >= 64)) {
    for (let trial = 0; trial < 150; trial++) {
      const code = { frameNumber: next(), captureTimeMs: next() };
      const p = noisePlane(width, height, next);
      write(code, p);
      const flips = 1 + (trial % 2);
      for (let i = 0; i < flips; i++) flipBlock(p, next() % 90);
      const back = read(p);
      trials++;
      if (back === null) nulls++;
      else if (describe(back) !== describe(code)) t.fail(`${width}x${height}: wrote ${describe(code)}, read ${describe(back)}`);
    }
  }
  // Distance 6 and no weak block to repair: every one is rejected (a flip of the same block twice reads right).
  t.true(nulls >= trials * 0.95, `${nulls} of ${trials} rejected`);
});

test('up to 3 mostly stale blocks are repaired; heavier partial damage is repaired or rejected, never misread', (t) => {
  const next = random(9);
  let repaired = 0;
  let light = 0;
  for (const [width, height] of SIZES.filter(([w]) => w >= 320)) {
    for (let trial = 0; trial < 120; trial++) {
      const code = { frameNumber: next(), captureTimeMs: next() };
      const p = noisePlane(width, height, next);
      write(code, p);
      const damaged = 1 + (trial % 6);
      const blocks = new Set<number>();
      while (blocks.size < damaged) blocks.add(next() % 90);
      // 50..60%: half to three quarters of the samples turned, a weak block (from 65% on, 10-pixel
      // blocks have every sample turned: a whole flip).
      for (const block of blocks) flipBlock(p, block, 50 + (next() % 11));
      const back = read(p);
      if (back !== null && describe(back) !== describe(code)) t.fail(`${width}x${height}, ${damaged} stale: misread ${describe(back)}`);
      if (damaged <= 3) {
        light++;
        if (back !== null) repaired++;
      }
    }
  }
  t.is(repaired, light, `${repaired} of ${light} codes with up to 3 stale blocks repaired`);
});

test('noise, flat planes, random blocks with valid sync and an inverted code read as null', (t) => {
  const next = random(13);
  for (const [width, height] of SIZES) {
    for (let trial = 0; trial < 100; trial++) t.is(read(noisePlane(width, height, next)), null, `noise ${width}x${height}`);
    for (const level of [0, 16, 128, 235, 255]) t.is(read(plane(width, height, level)), null, `flat ${level} ${width}x${height}`);
    for (let trial = 0; trial < 100; trial++) {
      const p = plane(width, height);
      write({ frameNumber: 0, captureTimeMs: 0 }, p);
      for (let block = 0; block < 90; block++) if (next() & 1) flipBlock(p, block);
      t.is(read(p), null, `random blocks ${width}x${height}`);
    }
    const inverted = plane(width, height);
    write({ frameNumber: 1234, captureTimeMs: 5678 }, inverted);
    for (let i = 0; i < inverted.pixels.length; i++) inverted.pixels[i] = 255 - inverted.pixels[i]!;
    t.is(read(inverted), null, `inverted ${width}x${height}`);
  }
});

test('arguments: codes must be two uint32, planes must hold the band (and only the band)', (t) => {
  const p = plane(320, 180);
  for (const code of [{ frameNumber: -1, captureTimeMs: 0 }, { frameNumber: 0, captureTimeMs: 2 ** 32 }, { frameNumber: 0.5, captureTimeMs: 0 }]) {
    t.throws(() => write(code, p), { instanceOf: RangeError }, describe(code));
  }
  t.throws(() => writeFrameCode({ frameNumber: 1, captureTimeMs: 2 }, p.pixels, 319, 320, 180), { instanceOf: RangeError }, 'stride < width');
  t.throws(() => readFrameCode(new Uint8Array(320 * 29), 320, 320, 180), { instanceOf: RangeError }, 'band cut short');
  const band = new Uint8Array(320 * codeBandHeight(320, 180));
  writeFrameCode({ frameNumber: 1, captureTimeMs: 2 }, band, 320, 320, 180);
  t.deepEqual(readFrameCode(band, 320, 320, 180), { frameNumber: 1, captureTimeMs: 2 }, 'a band-only buffer');
  t.notThrows(() => writeFrameCode({ frameNumber: 1, captureTimeMs: 2 }, new Uint8Array(0), 16, 16, 16), 'too small: nothing to do');
  t.is(readFrameCode(new Uint8Array(0), 16, 16, 16), null);
});

// --- byte-for-byte against the C++ (digests from cpp/src/media/frame_code.cpp) -----------------

/** SHA-256 of each size's plane (filled with 77) after writing every code of sampleCodes(50, 21) in turn. */
const CPP_WRITER_DIGESTS: Record<string, string> = {
  '32x6': '949e127c82e3e75bb324a548efdbc851b46266d3c2486c20895e9c27e0e7a07c',
  '64x36': 'f70f9bb71e166f64ac5bccab1f76878896c0eec22b5ceac28819cb315c8166bc',
  '320x180': '1072ba12cba86af4475d95e5a1c46eac35b09a19ef33a67280097cac442435be',
  '640x360': '09f0b7dbd82d0949b6f95ffa21dc5cb12487352777d8b94e614f495d4181a5f6',
  '641x361': 'a5550122709aa2527ab748abfef6d948c39249d71ea7cdf03778850fccc7190f',
  '1280x720': '6a9186995d0e0cb4f6d2bb90744fd904fa4433898848b2eb03e1965e24538596',
  '1280x100': 'a4a16456ede1d5f0afe0b462dc73b086e17458e95c6d50141eedf774ebc3f374',
  '101x99': '621a50dc0140cb94087cc0b934a0b08afaf9c61eb881003f1530f86956e137ff',
  '3200x120': '63605337e47af9a37a7362f04f085565ab510897a61208a41ae88252cc0e0ebd',
};

test('the writer writes the bytes the C++ writer writes', (t) => {
  for (const size of Object.keys(CPP_WRITER_DIGESTS)) {
    const [width, height] = size.split('x').map(Number) as [number, number];
    const p = plane(width, height, 77);
    const hash = crypto.createHash('sha256');
    for (const code of sampleCodes(50, 21)) {
      write(code, p);
      hash.update(p.pixels);
    }
    t.is(hash.digest('hex'), CPP_WRITER_DIGESTS[size], size);
  }
});

/** Coded planes with every kind of damage: clean, a few or many stale blocks, flips, noise, halving, blur. */
function damageCorpus(count: number): Plane[] {
  const next = random(2024);
  const sizes: Array<[number, number]> = [[64, 36], [320, 180], [426, 240], [640, 360], [641, 361]];
  const planes: Plane[] = [];
  for (let i = 0; i < count; i++) {
    const [width, height] = sizes[i % sizes.length]!;
    let p = noisePlane(width, height, next);
    write({ frameNumber: next(), captureTimeMs: next() }, p);
    const kind = Math.floor(i / sizes.length) % 6;
    const stale = (blocks: number, low: number, high: number): void => {
      for (let b = 0; b < blocks; b++) flipBlock(p, next() % 90, low + (next() % (high - low + 1)));
    };
    if (kind === 1) stale(1 + (next() % 3), 40, 75);
    else if (kind === 2) stale(4 + (next() % 5), 40, 75);
    else if (kind === 3) {
      stale(next() % 3, 100, 100);
      stale(next() % 4, 45, 70);
    } else if (kind === 4) {
      const amplitude = 20 + (next() % 60);
      for (let j = 0; j < p.pixels.length; j++) p.pixels[j] = Math.min(255, Math.max(0, p.pixels[j]! + (next() % (2 * amplitude + 1)) - amplitude));
    } else if (kind === 5) {
      stale(next() % 4, 40, 75);
      p = halved(p);
    }
    planes.push(p);
  }
  return planes;
}

/** SHA-256 of the C++ reader's results on damageCorpus(3000), one line each ('frameNumber,captureTimeMs' or 'null'). */
const CPP_READER_DIGEST = '23c74a6a106c7556d686ec2ad0a62e848016660fc14de1054a3d4e0b8866199a';

test('the reader reads a damage corpus as the C++ reader does', (t) => {
  const results = damageCorpus(3000).map((p) => describe(read(p)));
  const nulls = results.filter((r) => r === 'null').length;
  t.log(`${results.length - nulls} read, ${nulls} null`);
  t.true(nulls > 100 && nulls < results.length - 100, 'the corpus has both outcomes');
  t.is(crypto.createHash('sha256').update(results.join('\n')).digest('hex'), CPP_READER_DIGEST);
});

// --- colour conversions for a canvas -----------------------------------------------------------

test('grayFromLuma and lumaFromRgba: gray round-trips every studio level; colours come back within 1', (t) => {
  for (let level = 16; level <= 235; level++) {
    const g = grayFromLuma(level);
    t.is(lumaFromRgba(Uint8Array.of(g, g, g, 255), 1, 1)[0], level, `level ${level}`);
  }
  t.is(grayFromLuma(0), 0);
  t.is(grayFromLuma(255), 255);
  // Black, white, and the BT.601 weights one primary at a time.
  t.deepEqual([...lumaFromRgba(Uint8ClampedArray.of(0, 0, 0, 255, 255, 255, 255, 0, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255), 5, 1)],
    [16, 235, 81, 145, 41]);
  // BT.601 limited-range YUV shown as full-range RGB (what a browser draws), converted back.
  const next = random(17);
  let checked = 0;
  for (let i = 0; i < 20000; i++) {
    const y = 16 + (next() % 220);
    const u = 16 + (next() % 225) - 128;
    const v = 16 + (next() % 225) - 128;
    const c = (255 / 219) * (y - 16);
    const rgb = [c + (255 / 112) * 0.701 * v, c - (255 / 112) * ((0.886 * 0.114) / 0.587) * u - (255 / 112) * ((0.701 * 0.299) / 0.587) * v,
      c + (255 / 112) * 0.886 * u];
    if (rgb.some((x) => x < 0 || x > 255)) continue; // out of gamut: a canvas clips it
    const back = lumaFromRgba(Uint8Array.from([...rgb.map(Math.round), 255]), 1, 1)[0]!;
    if (Math.abs(back - y) > 1) t.fail(`Y ${y} U ${u} V ${v}: RGB ${rgb.map(Math.round)} -> Y ${back}`);
    checked++;
  }
  t.true(checked > 1000, `${checked} colours in gamut`);
  t.throws(() => lumaFromRgba(new Uint8Array(15), 2, 2), { instanceOf: RangeError });
});

test('a code drawn as gray RGBA and read back through lumaFromRgba reads (the canvas path, halved too)', (t) => {
  for (const [width, height] of SIZES) {
    for (const code of sampleCodes(20, width)) {
      const luma = new Uint8Array(width * height).fill(128);
      writeFrameCode(code, luma, width, width, height);
      const rgba = new Uint8ClampedArray(4 * width * height);
      for (let i = 0; i < luma.length; i++) {
        const g = grayFromLuma(luma[i]!);
        rgba.set([g, g, g, 255], 4 * i);
      }
      const back = lumaFromRgba(rgba, width, height);
      t.is(describe(readFrameCode(back, width, width, height)), describe(code), `${width}x${height}`);
      if (width >= 64) {
        const half = halved({ width, height, stride: width, pixels: back });
        t.is(describe(read(half)), describe(code), `${width}x${height} halved`);
      }
    }
  }
});

// --- against the C++ core in a relayed call ----------------------------------------------------

test.before(() => otc.init());
test.after.always(() => otc.destroy());

/** The machine's CLOCK_MONOTONIC in ms, truncated to 32 bits, as the core's capture times. */
const monotonicMs = (): number => Number((process.hrtime.bigint() / 1_000_000n) & 0xffffffffn);

/** A relayed session with `publisher` published by one connection and subscribed to by another. */
async function call(t: ExecutionContext, publisher: otc.Publisher): Promise<otc.Subscriber> {
  const server = await startServer(t);
  const { sessionId } = server.createSession({ mediaMode: 'relayed' });
  const a = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  const b = new otc.Session(API_KEY, sessionId, { signalingUrl: server.signalingUrl });
  t.teardown(() => { publisher.delete(); a.delete(); b.delete(); });
  await a.connect(server.generateToken(sessionId));
  await b.connect(server.generateToken(sessionId));
  const seen = new Promise<otc.StreamEvent>((resolve) => b.once('streamCreated', resolve));
  await a.publish(publisher);
  const subscriber = b.subscribe(await seen);
  await subscriber.connected(15_000);
  return subscriber;
}

const PUSH_START = 0xabcd0000; // high bits set, so both words of the payload carry ones

for (const format of ['I420', 'RGBA'] as const) {
  test.serial(`the C++ media check reads codes the TS writer drew into pushed ${format} frames`, async (t) => {
    t.timeout(60_000);
    const width = 320;
    const height = 180;
    const band = codeBandHeight(width, height);
    const publisher = new otc.Publisher({ name: `pushed-${format}`, audio: false, videoSource: 'pushed', videoCodec: 'VP8' });
    const subscriber = await call(t, publisher);

    let n = 0;
    const luma = new Uint8Array(width * height);
    const chromaSize = (width / 2) * (height / 2);
    const push = (): void => {
      const number = (PUSH_START + n) >>> 0;
      // Moving content below the band, so the encoder has real work.
      for (let y = band; y < height; y++) for (let x = 0; x < width; x++) luma[y * width + x] = 40 + ((x + y + 4 * n) % 160);
      writeFrameCode({ frameNumber: number, captureTimeMs: monotonicMs() }, luma, width, width, height);
      let data: Uint8Array;
      if (format === 'I420') {
        data = new Uint8Array(width * height + 2 * chromaSize);
        data.set(luma);
        // Neutral chroma in the band's rows, coloured below.
        data.fill(128, width * height, width * height + 2 * chromaSize);
        const firstColoured = ((band + 1) >> 1) * (width / 2);
        data.fill(90, width * height + firstColoured, width * height + chromaSize);
        data.fill(200, width * height + chromaSize + firstColoured);
      } else {
        data = new Uint8Array(4 * width * height);
        // Gray in the band (neutral chroma after the core's RGB -> I420), coloured below.
        for (let i = 0; i < luma.length; i++) {
          const g = grayFromLuma(luma[i]!);
          const inBand = i < band * width;
          data.set([g, inBand ? g : 255 - g, inBand ? g : 64, 255], 4 * i);
        }
      }
      t.is(publisher.pushVideoFrame({ format, width, height, data }), otc.ErrorCode.OTC_SUCCESS);
      n++;
    };
    const timer = setInterval(push, 33);
    t.teardown(() => clearInterval(timer));

    await until(t, () => subscriber.mediaCheck().framesReceived >= 30, 20_000,
      () => `30 readable frames (check ${JSON.stringify(subscriber.mediaCheck())}, stats ${JSON.stringify(subscriber.stats())})`);
    await sleep(3000);
    clearInterval(timer);
    const check = subscriber.mediaCheck();
    const detail = `pushed ${n}; check ${JSON.stringify(check)}`;
    t.log(detail);
    t.true(check.framesReceived >= 60, detail);
    t.true(check.framesUnreadable <= Math.max(2, check.framesDecoded * 0.02), `unreadable: ${detail}`);
    t.true(check.firstFrameNumber >= PUSH_START && check.lastFrameNumber < PUSH_START + n, `frame numbers: ${detail}`);
    t.true(check.lastFrameNumber - check.firstFrameNumber + 1 >= check.framesReceived, detail);
    // Capture times on the shared clock read back: a latency, not garbage.
    t.true(check.latencyMeanMs > 0 && check.latencyMaxMs < 5000, `latency: ${detail}`);
  });
}

test.serial('the TS reader reads the C++ test pattern in decoded frames, numbers increasing', async (t) => {
  t.timeout(60_000);
  const publisher = new otc.Publisher({ name: 'pattern', audio: false, videoCodec: 'VP8', testPattern: { width: 640, height: 360, fps: 30 } });
  const subscriber = await call(t, publisher);
  await until(t, () => subscriber.mediaCheck().framesReceived >= 30, 20_000, () => `30 readable frames (${JSON.stringify(subscriber.mediaCheck())})`);

  const codes: Array<FrameCode | null> = [];
  const latencies: number[] = [];
  const onFrame = (frame: otc.VideoFrame): void => {
    const code = readFrameCode(frame.y, frame.strideY, frame.width, frame.height);
    codes.push(code);
    if (code) latencies.push((monotonicMs() - code.captureTimeMs) | 0);
  };
  subscriber.on('videoFrame', onFrame);
  await sleep(4000);
  subscriber.off('videoFrame', onFrame);
  const after = subscriber.mediaCheck();

  const readable = codes.filter((c): c is FrameCode => c !== null);
  let increasing = 0;
  for (let i = 1; i < readable.length; i++) if (readable[i]!.frameNumber > readable[i - 1]!.frameNumber) increasing++;
  const detail = `${codes.length} frames, ${readable.length} read, ${increasing} increasing; C++ unreadable ${after.framesUnreadable} of ${after.framesDecoded}`;
  t.log(detail);
  t.true(codes.length >= 40, detail);
  // The JS frames are some of those the C++ check read: every one it read, TS reads too.
  t.true(codes.length - readable.length <= after.framesUnreadable, `TS failed where the C++ reader did not: ${detail}`);
  t.true(increasing >= 0.9 * (readable.length - 1), detail);
  t.true(readable.every((c) => c.frameNumber >= after.firstFrameNumber && c.frameNumber <= after.lastFrameNumber), detail);
  t.true(latencies.every((ms) => ms >= 0 && ms < 5000), `capture times: ${latencies.slice(0, 10)}`);
});
