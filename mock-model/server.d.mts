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
  close(): Promise<void>;
}

export function startMockModel(options?: MockModelOptions): Promise<MockModel>;
