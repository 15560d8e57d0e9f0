// The on-disk form of one spooled export request: a fixed header, then the compressed
// ExportTraceServiceRequest bytes exactly as they were encoded for the wire.
//
// Header (32 bytes, little-endian):
//   0  'NRSPOOL2'         magic + format version: 2 = zstd payload, 1 = gzip (still read)
//   8  u32 payload length  compressed bytes that follow the header
//  12  u32 payload CRC32   zlib.crc32 of the compressed bytes
//  16  f64 created        epoch ms the request was encoded (max_age is measured from it)
//  24  u32 spans          spans in the request (drop counts without decoding it)
//  28  u32 raw length     uncompressed request bytes (a sanity check after decompression)
//
// Why zstd: a request repeats the same large values span after span (a run's tool schemas and
// system prompt on every LLM span, 100-250 kB apart). gzip's 32 kB window sees none of that
// repetition (about 3x at 16 MB/s at level 6); zstd level 1 with a 1 MB window compresses such
// a request about 40x at over 1 GB/s, so spooling costs little CPU and little disk.
//
// A segment cut short by a crash (or a disk that lied) fails the length or CRC check and is
// skipped with a count; nothing in it is trusted.

import { promisify } from 'node:util';
import { constants, crc32, gunzip, gunzipSync, zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync } from 'node:zlib';
import type { ZlibOptions, ZstdOptions } from 'node:zlib';

export const SEGMENT_HEADER_BYTES = 32;
export type SegmentCodec = 'zstd' | 'gzip';
const MAGIC: Record<SegmentCodec, Buffer> = { zstd: Buffer.from('NRSPOOL2', 'latin1'), gzip: Buffer.from('NRSPOOL1', 'latin1') };

const ZSTD: ZstdOptions = {
  params: {
    [constants.ZSTD_c_compressionLevel]: 1,
    // 1 MB: a run's spans sit side by side, so the repeats are found within it. On recorded
    // 4 MB requests an 8 MB window compressed 64x against 42x, but each stream on the thread
    // pool then held 8 MB for its window, in that thread's malloc arena (+35 MB at the 200x5
    // bench's peak), and took 5x longer to set up.
    [constants.ZSTD_c_windowLog]: 20,
  },
};
const zstdAsync = promisify(zstdCompress) as (buf: Uint8Array, o: ZstdOptions) => Promise<Buffer>;
const zstdDecompressAsync = promisify(zstdDecompress) as (buf: Uint8Array, o: ZstdOptions) => Promise<Buffer>;
const gunzipAsync = promisify(gunzip) as (buf: Uint8Array, o: ZlibOptions) => Promise<Buffer>;

/**
 * Output chunk for the thread-pool calls: the default 16 kB makes a 4 MB request 256 round
 * trips to the loop (and a 1.8 s share of the 200x5 profile); one chunk near the whole
 * output makes it one or two.
 */
const chunkFor = (outputBytes: number): number => Math.min(8 << 20, Math.max(64 << 10, outputBytes));

/**
 * Compressed on the thread pool. The chunk is sized for the usual 50-100x: the output comes
 * out as a copy, and the chunk (which Node will not detach) stays until a full collection.
 * At an eighth of the request (540 kB a segment) such chunks were 32 MB of the live buffers
 * at the 200x5 bench's peak with a 16 MiB budget (it spools); at a 32nd, 16 MB.
 */
export function compressSegment(raw: Uint8Array): Promise<Buffer> {
  return zstdAsync(raw, { ...ZSTD, chunkSize: chunkFor(raw.length >> 5) });
}

export function compressSegmentSync(raw: Uint8Array): Buffer {
  return zstdCompressSync(raw, ZSTD);
}

export interface SegmentContent {
  bytes: Uint8Array;
  spans: number;
  created: number;
}

export function segmentHeader(compressed: Uint8Array, rawLength: number, spans: number, created: number, codec: SegmentCodec = 'zstd'): Buffer {
  const h = Buffer.alloc(SEGMENT_HEADER_BYTES);
  MAGIC[codec].copy(h, 0);
  h.writeUInt32LE(compressed.length, 8);
  h.writeUInt32LE(crc32(compressed), 12);
  h.writeDoubleLE(created, 16);
  h.writeUInt32LE(spans, 24);
  h.writeUInt32LE(rawLength, 28);
  return h;
}

interface Checked {
  codec: SegmentCodec;
  payload: Buffer;
  rawLength: number;
  spans: number;
  created: number;
}

/** Header, length and CRC of a whole segment file checked; the payload still compressed. */
function check(file: Buffer): Checked | { torn: string } {
  if (file.length < SEGMENT_HEADER_BYTES) return { torn: `header cut short (${file.length} bytes)` };
  const magic = file.subarray(0, 8);
  const codec: SegmentCodec | undefined = magic.equals(MAGIC.zstd) ? 'zstd' : magic.equals(MAGIC.gzip) ? 'gzip' : undefined;
  if (!codec) return { torn: 'not a spool segment (bad magic)' };
  const length = file.readUInt32LE(8);
  if (file.length !== SEGMENT_HEADER_BYTES + length) return { torn: `payload is ${file.length - SEGMENT_HEADER_BYTES} bytes, header says ${length}` };
  const payload = file.subarray(SEGMENT_HEADER_BYTES);
  if (crc32(payload) !== file.readUInt32LE(12)) return { torn: 'payload CRC32 mismatch' };
  return { codec, payload, rawLength: file.readUInt32LE(28), spans: file.readUInt32LE(24), created: file.readDoubleLE(16) };
}

function done(c: Checked, bytes: Buffer): SegmentContent | { torn: string } {
  if (bytes.length !== c.rawLength) return { torn: 'uncompressed length mismatch' };
  return { bytes, spans: c.spans, created: c.created };
}

/** The request stored in a whole segment file, or why it cannot be trusted. */
export function decodeSegment(file: Buffer): SegmentContent | { torn: string } {
  const c = check(file);
  if ('torn' in c) return c;
  try {
    return done(c, c.codec === 'zstd' ? zstdDecompressSync(c.payload) : gunzipSync(c.payload));
  } catch (error) {
    return { torn: `payload does not decompress (${c.codec}): ${(error as Error).message}` };
  }
}

/** The same, decompressing on the thread pool (the sender reads segments while hooks run). */
export async function decodeSegmentAsync(file: Buffer): Promise<SegmentContent | { torn: string }> {
  const c = check(file);
  if ('torn' in c) return c;
  try {
    // One byte more than the output: zlib allocates a fresh chunk whenever the last one ends
    // full, so an exact fit made every decompression allocate its request size twice (1 GB of
    // the 200x5 bench's ArrayBuffers).
    const chunkSize = chunkFor(c.rawLength + 1);
    return done(c, c.codec === 'zstd' ? await zstdDecompressAsync(c.payload, { chunkSize }) : await gunzipAsync(c.payload, { chunkSize }));
  } catch (error) {
    return { torn: `payload does not decompress (${c.codec}): ${(error as Error).message}` };
  }
}

/** `<created ms, 15 digits>-<seq>-<spans>.seg`: names sort oldest first; span counts without opening. */
export function segmentName(created: number, seq: number, spans: number): string {
  return `${String(Math.max(0, Math.floor(created))).padStart(15, '0')}-${process.pid}.${String(seq).padStart(8, '0')}-${spans}.seg`;
}

export function parseSegmentName(name: string): { created: number; spans: number } | undefined {
  const m = /^(\d{15})-\d+\.\d+-(\d+)\.seg$/.exec(name);
  return m ? { created: Number(m[1]), spans: Number(m[2]) } : undefined;
}
