/** One agent's custom instructions and memories (SPEC §7 Agent settings). */
import type { MemoryDto } from '../../../src/shared/api';
import { api, messageOf } from '../lib/api';
import type { AgentName } from '../lib/api';

class AgentSettingsStore {
  agent = $state<AgentName | null>(null);
  savedInstructions = $state('');
  instructions = $state('');
  updatedAt = $state<number | null>(null);
  memories = $state<MemoryDto[]>([]);
  loading = $state(false);
  saving = $state(false);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  dirty = $derived(this.instructions !== this.savedInstructions);

  async load(agent: AgentName): Promise<void> {
    this.agent = agent;
    this.loading = true;
    this.error = null;
    this.notice = null;
    try {
      const [instructions, memories] = await Promise.all([api.agents.instructions(agent), api.agents.memories(agent)]);
      if (this.agent !== agent) return;
      this.savedInstructions = instructions.instructions;
      this.instructions = instructions.instructions;
      this.updatedAt = instructions.updatedAt;
      this.memories = memories.memories;
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      this.loading = false;
    }
  }

  /** The memories again (a chat was deleted: its memories went, or lost their source), leaving the instructions being edited alone. */
  async reloadMemories(agentName: string): Promise<void> {
    const agent = this.agent;
    if (agent !== agentName) return;
    try {
      const { memories } = await api.agents.memories(agent);
      if (this.agent === agent) this.memories = memories;
    } catch (error) {
      this.error = messageOf(error);
    }
  }

  async save(): Promise<void> {
    const agent = this.agent;
    if (!agent || this.saving) return;
    this.saving = true;
    this.error = null;
    this.notice = null;
    try {
      const result = await api.agents.saveInstructions(agent, this.instructions);
      this.savedInstructions = result.instructions;
      this.instructions = result.instructions;
      this.updatedAt = result.updatedAt;
      this.notice = 'Instructions saved. They apply from your next message.';
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      this.saving = false;
    }
  }

  revert() {
    this.instructions = this.savedInstructions;
    this.notice = null;
  }

  async addMemory(content: string): Promise<boolean> {
    const agent = this.agent;
    if (!agent) return false;
    try {
      const { memory } = await api.agents.addMemory(agent, content);
      this.memories = [memory, ...this.memories];
      return true;
    } catch (error) {
      this.error = messageOf(error);
      return false;
    }
  }

  async deleteMemory(id: string): Promise<void> {
    const agent = this.agent;
    if (!agent) return;
    const before = this.memories;
    this.memories = this.memories.filter((m) => m.id !== id);
    try {
      await api.agents.deleteMemory(agent, id);
    } catch (error) {
      this.memories = before;
      this.error = messageOf(error);
    }
  }
}

export const agentSettings = new AgentSettingsStore();
