import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextTask } from '../../../src/outbox/next-task';

describe('nextTask', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('runs the callback in a later task, not synchronously', async () => {
    const f = vi.fn();
    nextTask(f);
    expect(f).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 20));
    expect(f).toHaveBeenCalledTimes(1);
  });

  it('falls back to a timer where MessageChannel is missing, so buffered writes still happen', async () => {
    vi.stubGlobal('MessageChannel', undefined);
    const f = vi.fn();
    nextTask(f);
    await new Promise((r) => setTimeout(r, 20));
    expect(f).toHaveBeenCalledTimes(1);
  });
});
