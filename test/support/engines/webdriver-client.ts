// A W3C WebDriver client over plain HTTP: one method that sends a command and returns its
// `value`, or throws with the driver's error code attached (`webdriverError`).

interface WebDriverError {
  error?: string;
  message?: string;
}

export class WebDriver {
  constructor(private readonly base: string) {}

  async send<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.base + path, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: { value?: unknown } = {};
    try {
      parsed = JSON.parse(text) as { value?: unknown };
    } catch {
      // Not JSON: reported below.
    }
    if (!response.ok) {
      const value = (parsed.value ?? {}) as WebDriverError;
      const error = new Error(value.message || value.error || `HTTP ${response.status} ${text.slice(0, 200)}`);
      (error as Error & { webdriverError?: string }).webdriverError = value.error;
      throw error;
    }
    return parsed.value as T;
  }
}
