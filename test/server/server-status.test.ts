import { describe, expect, it } from 'vitest';
import { currentTask, deriveState, type TaskSnapshot } from '../../src/server/server-status.js';

const task = (lastStatus: string, desiredStatus: string): TaskSnapshot => ({
  taskArn: `arn:${lastStatus}:${desiredStatus}`,
  lastStatus,
  desiredStatus,
});

describe('deriveState', () => {
  it('is stopped when nothing is wanted and nothing is alive', () => {
    expect(
      deriveState({ desiredCount: 0, runningCount: 0, pendingCount: 0 }, [task('STOPPED', 'STOPPED')]),
    ).toBe('stopped');
  });

  it('is starting while the wanted task is provisioning or pending', () => {
    for (const status of ['PROVISIONING', 'PENDING', 'ACTIVATING']) {
      expect(
        deriveState({ desiredCount: 1, runningCount: 0, pendingCount: 1 }, [task(status, 'RUNNING')]),
      ).toBe('starting');
    }
    expect(deriveState({ desiredCount: 1, runningCount: 0, pendingCount: 0 }, [])).toBe('starting');
  });

  it('is running once the wanted task runs', () => {
    expect(
      deriveState({ desiredCount: 1, runningCount: 1, pendingCount: 0 }, [task('RUNNING', 'RUNNING')]),
    ).toBe('running');
  });

  it('is stopping while a task saves the world on shutdown, even after ECS stopped counting it', () => {
    expect(
      deriveState({ desiredCount: 0, runningCount: 0, pendingCount: 0 }, [task('DEACTIVATING', 'STOPPED')]),
    ).toBe('stopping');
    expect(deriveState({ desiredCount: 0, runningCount: 1, pendingCount: 0 }, [])).toBe('stopping');
  });

  it('is starting (not running) while a replacement waits for the old task to exit', () => {
    expect(
      deriveState({ desiredCount: 1, runningCount: 0, pendingCount: 0 }, [
        task('STOPPING', 'STOPPED'),
        task('PROVISIONING', 'RUNNING'),
      ]),
    ).toBe('starting');
  });
});

describe('currentTask', () => {
  it('prefers the task meant to run over one shutting down, and ignores stopped ones', () => {
    const wanted = task('PENDING', 'RUNNING');
    expect(currentTask([task('STOPPED', 'STOPPED'), task('STOPPING', 'STOPPED'), wanted])).toBe(wanted);
    expect(currentTask([task('STOPPED', 'STOPPED')])).toBeUndefined();
  });
});
