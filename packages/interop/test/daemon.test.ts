// startPrivateDaemon, with the real daemon.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InteropErrorCodes, startPrivateDaemon } from '../src/index.js';
import { daemonStatus } from './helpers.js';

describe('startPrivateDaemon', () => {
  it('runs an enabled instance of its own and removes it on stop()', async () => {
    const daemon = await startPrivateDaemon({ config: { handoff: 'proxy' } });
    try {
      const status = await daemonStatus(daemon.paths);
      expect(status.handoff).toBe('proxy');
      expect(status.registrations).toEqual([]);
    } finally {
      await daemon.stop();
    }
    expect(existsSync(daemon.home)).toBe(false);
  });

  it('a daemon that cannot start: INTEROP_ERR_DAEMON_START_FAILED with its reason', async () => {
    const err = await startPrivateDaemon({ config: { listenBacklog: 'many' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: InteropErrorCodes.DAEMON_START_FAILED });
    expect((err as Error).message).toContain('listenBacklog');
  });
});
