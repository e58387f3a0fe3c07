/**
 * A D1 binding that counts the statements issued through it, so a turn can report how many D1
 * statements stood between its arrival and its first token (SPEC §12.4). Drizzle prepares
 * every statement it sends, batches included, so counting `prepare` counts statements.
 *
 * Besides an optional running total, each statement is counted for the async context that
 * issued it (`countStatementsIn`): an object serves many things at once, and a flush left
 * over from the previous reply must not be charged to the turn that happens to be starting.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface StatementCounter {
  d1Statements: number;
}

const scope = new AsyncLocalStorage<StatementCounter>();

/** Runs `body` with every D1 statement it issues — and whatever it starts — counted into `counter`. */
export function countStatementsIn<T>(counter: StatementCounter, body: () => T): T {
  return scope.run(counter, body);
}

export function countingD1(d1: D1Database, total?: StatementCounter): D1Database {
  return new Proxy(d1, {
    get(target, property) {
      if (property === 'prepare') {
        return (query: string) => {
          if (total) total.d1Statements += 1;
          const own = scope.getStore();
          if (own && own !== total) own.d1Statements += 1;
          return target.prepare(query);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
