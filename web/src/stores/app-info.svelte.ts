/** Server facts the UI shows: the agent catalogue and whether the built-in demo model answers. */
import type { TextLimitsDto } from '../../../src/shared/api';
import { api } from '../lib/api';
import type { AgentName } from '../lib/api';

export interface AgentInfo {
  name: AgentName;
  displayName: string;
  description: string;
  model: string;
  tools: string[];
}

/** Until /api/health answers: the server's default HEARTBEAT_INTERVAL_S. */
const DEFAULT_HEARTBEAT_INTERVAL_S = 60;
/** Live-channel pings keep the socket (and the session) alive; proxies commonly drop links idle for a minute. */
const MAX_PING_INTERVAL_S = 25;

class AppInfo {
  agents = $state<AgentInfo[]>([]);
  demoMode = $state(false);
  version = $state<string | null>(null);
  heartbeatIntervalS = $state(DEFAULT_HEARTBEAT_INTERVAL_S);
  /** The deployment's MAX_MESSAGE_CHARS and MAX_INSTRUCTIONS_CHARS; null until the agents list answers (the server still enforces them). */
  limits = $state<TextLimitsDto | null>(null);

  async loadHealth(): Promise<void> {
    try {
      const health = await api.health();
      this.demoMode = health.demoMode;
      this.version = health.version;
      // The server's HEARTBEAT_INTERVAL_S, so a deployment (or the e2e suite) sets one number.
      if (health.heartbeatIntervalS > 0) this.heartbeatIntervalS = health.heartbeatIntervalS;
    } catch {
      // The badge is informational; the app works without it.
    }
  }

  /** Live-socket pings: every ~25 s, or as often as HTTP heartbeats where the server wants them more often. */
  get pingIntervalMs(): number {
    return Math.min(MAX_PING_INTERVAL_S, this.heartbeatIntervalS) * 1000;
  }

  async loadAgents(): Promise<void> {
    const result = await api.agents.list();
    // The server's catalogue is where agent names come from: these are AgentNames by definition.
    this.agents = result.agents.map((a) => ({ ...a, name: a.name as AgentName, tools: [...a.tools] }));
    this.demoMode = result.demoMode;
    this.limits = result.limits;
  }

  agent(name: string): AgentInfo | undefined {
    return this.agents.find((a) => a.name === name);
  }

  /** A name from the URL, if it is one of the server's agents. */
  agentName(name: string): AgentName | null {
    return this.agent(name)?.name ?? null;
  }
}

export const appInfo = new AppInfo();
