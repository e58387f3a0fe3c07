/**
 * How the Worker hands an authenticated WebSocket upgrade to the executor: a header the
 * Worker sets after its checks. Only the Worker can reach the object, so the header is trusted.
 */
export interface LiveIntent {
  chatId: string;
  sessionId: string;
  /** The login the socket opens with: the socket closes when it is logged out or expires. */
  login: { authSessionId: string | null; expiresAt: number };
}

export const LIVE_INTENT_HEADER = 'X-Clarity-Live';

export function parseLiveIntent(request: Request): LiveIntent | null {
  const raw = request.headers.get(LIVE_INTENT_HEADER);
  if (!raw || request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return null;
  try {
    return JSON.parse(raw) as LiveIntent;
  } catch {
    return null;
  }
}
