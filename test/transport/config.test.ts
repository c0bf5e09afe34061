import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPRESSION, SharedProducer, kafkaSettingsFromEnv } from '../../src/transport/index.js';

describe('kafkaSettingsFromEnv: compression', () => {
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ KAFKA_BROKERS: 'k1:9092, k2:9092', ...extra });

  it('leaves it to the producer unless SENDLENS_KAFKA_COMPRESSION names one, in any case', () => {
    expect(kafkaSettingsFromEnv(env())?.compression).toBeUndefined();
    expect(kafkaSettingsFromEnv(env({ SENDLENS_KAFKA_COMPRESSION: 'GZIP' }))?.compression).toBe('gzip');
    expect(kafkaSettingsFromEnv(env({ SENDLENS_KAFKA_COMPRESSION: 'none' }))?.compression).toBe('none');
    expect(() => kafkaSettingsFromEnv(env({ SENDLENS_KAFKA_COMPRESSION: 'snappy' }))).toThrow('SENDLENS_KAFKA_COMPRESSION must be one of zstd, gzip, none');
  });

  it('is zstd by default for the event sink and the hand-off (both send with the producer\'s), else what was asked for', () => {
    expect(DEFAULT_COMPRESSION).toBe('zstd');
    const settings = kafkaSettingsFromEnv(env({ KAFKA_CLIENT_ID: 'config-test' }));
    if (!settings) throw new Error('settings expected');
    expect(new SharedProducer(settings).compression).toBe('zstd');
    expect(new SharedProducer({ ...settings, compression: 'gzip' }).compression).toBe('gzip');
  });
});
