/**
 * A D1 binding that counts the statements issued through it, so a turn can report how many D1
 * statements stood between its arrival and its first token (SPEC §12.4). Drizzle prepares
 * every statement it sends, batches included, so counting `prepare` counts statements.
 */
export interface StatementCounter {
  d1Statements: number;
}

export function countingD1(d1: D1Database, counter: StatementCounter): D1Database {
  return new Proxy(d1, {
    get(target, property) {
      if (property === 'prepare') {
        return (query: string) => {
          counter.d1Statements += 1;
          return target.prepare(query);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
