import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../web/src/lib/single-flight';

describe('SingleFlight', () => {
  it('joins a call with the same key instead of running it twice', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    const op = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      return runs;
    };
    const [a, b] = await Promise.all([flight.run('k', op), flight.run('k', op)]);
    expect(runs).toBe(1);
    expect(a).toBe(b);
  });

  it('runs a different key after the current one, never at the same time', async () => {
    const flight = new SingleFlight<string>();
    const log: string[] = [];
    const op = (name: string) => async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`end ${name}`);
      return name;
    };
    await Promise.all([flight.run('a', op('a')), flight.run('b', op('b'))]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('keeps working after a failure', async () => {
    const flight = new SingleFlight<string>();
    await expect(flight.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(flight.run('a', async () => 'ok')).resolves.toBe('ok');
    expect(flight.busy).toBe(false);
  });
});
