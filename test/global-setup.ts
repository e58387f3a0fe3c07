import type { TestProject } from 'vitest/node';
import { startMockModel } from '../mock-model/server.mjs';

/** One mock model server for the whole run; tests find their own requests by unique markers. */
export default async function setup(project: TestProject) {
  const mock = await startMockModel({ tokenDelayMs: 2 });
  project.provide('mockModelUrl', mock.url);
  return () => mock.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    mockModelUrl: string;
  }
}
