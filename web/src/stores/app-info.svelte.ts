/** Server facts the UI shows: the agent catalogue and whether the built-in demo model answers. */
import { api, call } from '../lib/api';
import type { AgentName } from '../lib/api';

export interface AgentInfo {
  name: AgentName;
  displayName: string;
  description: string;
  model: string;
  tools: string[];
}

const HEARTBEAT_OVERRIDE_KEY = 'clarity:heartbeat-interval-s';
const DEFAULT_HEARTBEAT_INTERVAL_S = 60;

class AppInfo {
  agents = $state<AgentInfo[]>([]);
  demoMode = $state(false);
  version = $state<string | null>(null);
  heartbeatIntervalS = $state(DEFAULT_HEARTBEAT_INTERVAL_S);

  async loadHealth(): Promise<void> {
    try {
      const health = await call(api.health.$get());
      this.demoMode = health.demoMode;
      this.version = health.version;
      // Deployments may advertise their interval; a tab may override it (used by the e2e suite).
      const advertised = (health as { heartbeatIntervalS?: unknown }).heartbeatIntervalS;
      if (typeof advertised === 'number' && advertised > 0) this.heartbeatIntervalS = advertised;
    } catch {
      // The badge is informational; the app works without it.
    }
    const override = Number(localStorage.getItem(HEARTBEAT_OVERRIDE_KEY));
    if (Number.isFinite(override) && override > 0) this.heartbeatIntervalS = override;
  }

  async loadAgents(): Promise<void> {
    const result = await call(api.agents.$get());
    this.agents = result.agents.map((a) => ({ ...a, tools: [...a.tools] }));
    this.demoMode = result.demoMode;
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
