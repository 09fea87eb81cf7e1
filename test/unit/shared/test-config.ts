// The one config of the unit tests: the defaults with delays short enough for a test (fake
// timers make most of them free anyway) and two ingest hosts that never resolve.
import { DEFAULT_CONFIG, type Config } from '../../../src/config';

/** A config with short delays for tests, over `DEFAULT_CONFIG`. */
export function testConfig(over: Partial<Config> = {}): Config {
  return {
    ...DEFAULT_CONFIG,
    api_host: ['https://a.test', 'https://b.test'],
    batch_size: 10,
    batch_flush_interval_ms: 1_000,
    batch_request_timeout_ms: 500,
    max_in_flight: 1,
    retry_backoff_base_ms: 100,
    retry_backoff_max_ms: 1_000,
    failback_interval_ms: 5_000,
    sender_lease_ms: 1_000,
    storage_open_timeout_ms: 200,
    ...over,
  };
}
