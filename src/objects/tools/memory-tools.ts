/** Long-term memory tools and the clock. */
import { z } from 'zod';
import { addMemory, deleteMemoriesById, searchMemories } from '../../db/memories';
import { serializeMemory } from '../../db/serialize';
import { plainText } from '../../shared/schemas';
import { defineTool, ToolError } from './tool-registry';

export const memoryTools = [
  defineTool({
    name: 'remember',
    description: 'Store a lasting fact, preference or decision about the user for future conversations.',
    schema: z.strictObject({ content: plainText(2000).pipe(z.string().trim().min(1)) }),
    async run(args, context) {
      const memory = await addMemory(context.db, context.userId, context.agentName, args.content, { chatId: context.chatId, seq: context.turnSeq }, context.config.memoryLimit);
      context.invalidatePrompt();
      return { remembered: serializeMemory(memory) };
    },
  }),
  defineTool({
    name: 'recall',
    description: 'Search long-term memories by keywords; an empty query returns the most recent ones.',
    schema: z.strictObject({ query: z.string().max(200).default('') }),
    async run(args, context) {
      const memories = await searchMemories(context.db, context.userId, context.agentName, args.query, 20);
      return { memories: memories.map(serializeMemory) };
    },
  }),
  defineTool({
    name: 'forget',
    description: 'Delete memories, by id or by keywords they contain.',
    schema: z.strictObject({ id: z.string().max(64).optional(), query: z.string().max(200).optional() }),
    async run(args, context) {
      const ids = args.id
        ? [args.id]
        : args.query
          ? (await searchMemories(context.db, context.userId, context.agentName, args.query, 20)).map((m) => m.id)
          : [];
      if (ids.length === 0) throw new ToolError('Name a memory id or a query that matches one');
      const forgotten = await deleteMemoriesById(context.db, context.userId, context.agentName, ids);
      if (forgotten > 0) context.invalidatePrompt();
      return { forgotten };
    },
  }),
  defineTool({
    name: 'current_time',
    description: 'The current date and time (UTC).',
    schema: z.strictObject({}),
    async run() {
      const now = new Date();
      return { now: now.toISOString(), weekday: now.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' }), timezone: 'UTC' };
    },
  }),
];
