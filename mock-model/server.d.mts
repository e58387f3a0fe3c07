export interface MockModelOptions {
  port?: number;
  host?: string;
  tokenDelayMs?: number;
  defaultTokens?: number;
}

export interface MockModel {
  url: string;
  port: number;
  requests: unknown[];
  /** The chat-title requests (SPEC §4.7), kept apart from `requests`. */
  titleRequests: unknown[];
  close(): Promise<void>;
}

export function startMockModel(options?: MockModelOptions): Promise<MockModel>;
