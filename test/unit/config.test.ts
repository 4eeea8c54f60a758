import { DEFAULT_CONFIG, resolveConfig } from '../../lib/config.js';

describe('resolveConfig', () => {
  it('merges nested overrides without dropping the other defaults', () => {
    const config = resolveConfig({ visibilityKeywords: { public: 'zzpublic' }, limits: { maxChannels: 5 } });
    expect(config.visibilityKeywords).toEqual({ public: 'zzpublic', protected: '_protected', private: '_private' });
    expect(config.limits.maxChannels).toBe(5);
    expect(config.limits.maxSpecBytes).toBe(DEFAULT_CONFIG.limits.maxSpecBytes);
  });
});
