import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import kafkajs from 'kafkajs';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/**
 * The zlib level sendlens gzips record batches at. kafkajs uses zlib's default
 * (6); on send events level 1 costs about 40% less CPU per byte for about 9%
 * more bytes on the wire, and the producer's deliveries run one at a time, so
 * the compression time is the producer's throughput (`npm run bench --
 * producer`). Any gzip reader (the loader, ClickHouse's Kafka engine) reads it.
 */
export const GZIP_LEVEL = 1;

const gzipAsync = promisify(gzip);

let installed = false;

/**
 * Makes kafkajs compress gzip batches at `GZIP_LEVEL`, for the whole process
 * (kafkajs keeps one codec table). Decompression is whatever was installed
 * before (kafkajs's own, or the loader's bounded one), so this and the
 * loader's codec compose in either order.
 */
export function installFastGzip(): void {
  if (installed) return;
  installed = true;
  const previous = CompressionCodecs[CompressionTypes.GZIP];
  const codec = previous();
  CompressionCodecs[CompressionTypes.GZIP] = () => ({
    compress: (encoder: { buffer: Buffer }) => gzipAsync(encoder.buffer, { level: GZIP_LEVEL }),
    decompress: (buffer: Buffer) => codec.decompress(buffer),
  });
}
