// The frame code of cpp/src/media/frame_code.{h,cpp} for the browser: a band of black and white
// blocks along the top of the luma plane carrying a frame number and a capture time. Written and
// read exactly as the C++ core does (same blocks, ramps, samples, CRC and repair), so either side
// reads the other's frames. Geometry, levels and thresholds are explained there.

/** What a code carries; both are uint32. */
export interface FrameCode {
  frameNumber: number;
  /** CLOCK_MONOTONIC milliseconds in the core, truncated to 32 bits. */
  captureTimeMs: number;
}

export const FRAME_CODE_COLUMNS = 32;
export const FRAME_CODE_ROWS = 3;

const COLUMNS = FRAME_CODE_COLUMNS;
const ROWS = FRAME_CODE_ROWS;
const BLOCKS = COLUMNS * ROWS;
const DATA_BITS = BLOCKS - 2 * ROWS; // 64 payload bits, then the check
const CHECK_BITS = DATA_BITS - 64;
const ROW_DIVISOR = 2 * ROWS * COLUMNS;
const BLACK = 16;
const WHITE = 235;
const MIN_CONTRAST = 64;
const SAMPLES = 8; // per block side
const MAX_REPAIR_CANDIDATES = 6;
const MAX_REPAIR_FLIPS = 3;

// Sizes are integers far below 2^53 / 2^12: a float division floored is the C++ integer one.
const div = (a: number, b: number): number => Math.floor(a / b);

const isSyncColumn = (column: number): boolean => column === 0 || column === COLUMNS - 1;
const syncIsWhite = (row: number, column: number): boolean => (row + (column === 0 ? 0 : 1)) % 2 === 0;
const rampFor = (blockWidth: number): number => Math.min(Math.max(div(blockWidth, 6), 6), 16);

/** BandGeometry of the C++: blocks as fractions of the frame, so a scaled copy maps onto them. */
class Geometry {
  readonly width: number;
  readonly rowScale: number;

  constructor(width: number, height: number) {
    this.width = width;
    this.rowScale = Math.min(2 * ROWS * width, COLUMNS * height);
  }

  get fits(): boolean {
    return this.width >= COLUMNS && this.rowScale >= ROW_DIVISOR;
  }
  columnEdge(column: number): number {
    return div(2 * column * this.width + COLUMNS, 2 * COLUMNS);
  }
  rowEdge(row: number): number {
    return div(2 * row * this.rowScale + ROW_DIVISOR, 2 * ROW_DIVISOR);
  }
  columnSample(column: number, i: number): number {
    return div(this.width * (4 * SAMPLES * column + SAMPLES + 2 * i + 1), 4 * SAMPLES * COLUMNS);
  }
  rowSample(row: number, i: number): number {
    return div(this.rowScale * (4 * SAMPLES * row + SAMPLES + 2 * i + 1), 4 * SAMPLES * ROW_DIVISOR);
  }
}

/** The data bits: payload (frame number, then capture time) most significant bit first, then the check. */
interface DataBits {
  high: number;
  low: number;
  check: number;
}

// CRC-32 (IEEE, reflected) of the payload's 8 big-endian bytes, kept to CHECK_BITS.
function checkOf(high: number, low: number): number {
  let crc = 0xffffffff;
  for (const word of [high, low]) {
    for (let shift = 24; shift >= 0; shift -= 8) {
      crc ^= (word >>> shift) & 0xff;
      for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
    }
  }
  return (~crc >>> 0) & ((1 << CHECK_BITS) - 1);
}

const isValid = (bits: DataBits): boolean => bits.check === checkOf(bits.high, bits.low);

function bitOf(bits: DataBits, index: number): boolean {
  if (index < 32) return ((bits.high >>> (31 - index)) & 1) === 1;
  if (index < 64) return ((bits.low >>> (63 - index)) & 1) === 1;
  return ((bits.check >>> (DATA_BITS - 1 - index)) & 1) === 1;
}

function flipped(bits: DataBits, index: number): DataBits {
  if (index < 32) return { ...bits, high: (bits.high ^ (1 << (31 - index))) >>> 0 };
  if (index < 64) return { ...bits, low: (bits.low ^ (1 << (63 - index))) >>> 0 };
  return { ...bits, check: bits.check ^ (1 << (DATA_BITS - 1 - index)) };
}

// The writer and the reader touch only the band's rows: a plane may hold just those.
function bandGeometry(y: Uint8Array, strideY: number, width: number, height: number): Geometry | null {
  if (![strideY, width, height].every(Number.isSafeInteger) || strideY < width) {
    throw new RangeError(`a ${width}x${height} plane cannot have stride ${strideY}`);
  }
  const geometry = new Geometry(width, height);
  if (!geometry.fits) return null;
  if (y.length < strideY * (geometry.rowEdge(ROWS) - 1) + width) {
    throw new RangeError(`${y.length} bytes do not hold the band of a ${width}x${height} plane with stride ${strideY}`);
  }
  return geometry;
}

const isUint32 = (value: number): boolean => Number.isInteger(value) && value >= 0 && value <= 0xffffffff;

/** Rows of the band at the top of a frame of this size (content must stay below); 0 when it does not fit (under 32x6). */
export function codeBandHeight(width: number, height: number): number {
  const geometry = new Geometry(width, height);
  return geometry.fits ? geometry.rowEdge(ROWS) : 0;
}

/**
 * Writes the code into the band of a Y plane; nothing when the frame is too small. Unlike the
 * C++ writer it leaves chroma alone: the caller must make the band's chroma neutral (U = V = 128
 * in the first (codeBandHeight + 1) / 2 chroma rows, or gray pixels on a canvas) so that colour
 * cannot bleed into the luma the reader measures. `y` needs to hold only the band's rows. Throws
 * a RangeError for a code that is not two uint32 or a plane too short for the band.
 */
export function writeFrameCode(code: FrameCode, y: Uint8Array, strideY: number, width: number, height: number): void {
  if (!isUint32(code.frameNumber) || !isUint32(code.captureTimeMs)) throw new RangeError('a frame code is two uint32');
  const geometry = bandGeometry(y, strideY, width, height);
  if (!geometry) return;
  const bits: DataBits = { high: code.frameNumber, low: code.captureTimeMs, check: checkOf(code.frameNumber, code.captureTimeMs) };

  let dataIndex = 0;
  for (let row = 0; row < ROWS; row++) {
    const top = geometry.rowEdge(row);
    const bottom = geometry.rowEdge(row + 1);
    const first = top * strideY;
    for (let column = 0; column < COLUMNS; column++) {
      const white = isSyncColumn(column) ? syncIsWhite(row, column) : bitOf(bits, dataIndex++);
      const level = white ? WHITE : BLACK;
      const x0 = geometry.columnEdge(column);
      const blockWidth = geometry.columnEdge(column + 1) - x0;
      const ramp = rampFor(blockWidth);
      // The ramp that keeps VP9 from taking the block as static; symmetric, so the mean stays.
      for (let i = 0; i < blockWidth; i++) y[first + x0 + i] = level - ramp + div(ramp * (2 * i + 1), blockWidth);
    }
    for (let line = top + 1; line < bottom; line++) y.copyWithin(line * strideY, first, first + width);
  }
}

/**
 * Reads the code from a Y plane of any size (the written frame or a scaled copy); null when
 * there is none, its contrast is too low or its check fails even after repairing the weakest
 * blocks. `y` needs to hold only the band's rows; a RangeError when it does not.
 */
export function readFrameCode(y: Uint8Array, strideY: number, width: number, height: number): FrameCode | null {
  const geometry = bandGeometry(y, strideY, width, height);
  if (!geometry) return null;

  // Sums of SAMPLES^2 samples per block over the middle half of each block: levels x 64.
  const sampleX: number[] = [];
  for (let column = 0; column < COLUMNS; column++) for (let i = 0; i < SAMPLES; i++) sampleX.push(geometry.columnSample(column, i));
  const sums = new Array<number>(BLOCKS).fill(0);
  for (let row = 0; row < ROWS; row++) {
    for (let j = 0; j < SAMPLES; j++) {
      const line = geometry.rowSample(row, j) * strideY;
      for (let column = 0; column < COLUMNS; column++) {
        let sum = 0;
        for (let i = 0; i < SAMPLES; i++) sum += y[line + sampleX[column * SAMPLES + i]!]!;
        sums[row * COLUMNS + column]! += sum;
      }
    }
  }

  let whiteSum = 0;
  let blackSum = 0;
  for (let row = 0; row < ROWS; row++) {
    for (const column of [0, COLUMNS - 1]) {
      if (syncIsWhite(row, column)) whiteSum += sums[row * COLUMNS + column]!;
      else blackSum += sums[row * COLUMNS + column]!;
    }
  }
  if (whiteSum - blackSum < MIN_CONTRAST * SAMPLES * SAMPLES * ROWS) return null;
  const threshold = div(whiteSum + blackSum, 2 * ROWS);
  const halfContrast = div(whiteSum - blackSum, 2 * ROWS);
  for (let row = 0; row < ROWS; row++) {
    for (const column of [0, COLUMNS - 1]) {
      if ((sums[row * COLUMNS + column]! > threshold) !== syncIsWhite(row, column)) return null;
    }
  }

  let read: DataBits = { high: 0, low: 0, check: 0 };
  const margins: number[] = [];
  for (let block = 0; block < BLOCKS; block++) {
    if (isSyncColumn(block % COLUMNS)) continue;
    if (sums[block]! > threshold) read = flipped(read, margins.length);
    margins.push(Math.abs(sums[block]! - threshold));
  }
  const bits = isValid(read) ? read : repaired(read, margins, halfContrast);
  return bits ? { frameNumber: bits.high, captureTimeMs: bits.low } : null;
}

// Every flip of up to MAX_REPAIR_FLIPS of the weakest blocks (margin under 3/4 of an intact
// block's), taken only when exactly one passes the check: the C++ core's verified_payload. Ties
// in margin go to the lower block, where the C++ partial_sort leaves the order unspecified.
function repaired(read: DataBits, margins: number[], halfContrast: number): DataBits | null {
  const order = margins.map((_, i) => i).sort((a, b) => margins[a]! - margins[b]! || a - b);
  let candidates = 0;
  while (candidates < MAX_REPAIR_CANDIDATES && 4 * margins[order[candidates]!]! < 3 * halfContrast) candidates++;

  let found: DataBits | null = null;
  for (let subset = 1; subset < 1 << candidates; subset++) {
    let flips = 0;
    let bits = read;
    for (let i = 0; i < candidates; i++) {
      if (subset & (1 << i)) {
        flips++;
        bits = flipped(bits, order[i]!);
      }
    }
    if (flips > MAX_REPAIR_FLIPS || !isValid(bits)) continue;
    if (found) return null; // two ways to repair: trust neither
    found = bits;
  }
  return found;
}

/**
 * The Y plane (width x height, stride width) of RGBA pixels as a canvas gives them for a decoded
 * frame: BT.601 limited-range video shown as full-range RGB, converted back.
 */
export function lumaFromRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 0 || height < 0 || rgba.length < 4 * width * height) {
    throw new RangeError(`${rgba.length} bytes do not hold ${width}x${height} RGBA pixels`);
  }
  const y = new Uint8Array(width * height);
  for (let i = 0; i < y.length; i++) {
    const level = 16 + (65.481 * rgba[4 * i]! + 128.553 * rgba[4 * i + 1]! + 24.966 * rgba[4 * i + 2]!) / 255;
    y[i] = Math.min(255, Math.max(0, Math.round(level)));
  }
  return y;
}

/**
 * The gray (R = G = B) to draw on a canvas so that an encoder's limited-range RGB -> YUV gives
 * luma `level`. Levels outside 16..235 clip to black or white.
 */
export function grayFromLuma(level: number): number {
  return Math.min(255, Math.max(0, Math.round(((level - 16) * 255) / 219)));
}
