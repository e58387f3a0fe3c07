/**
 * A shard database (bindings `SHARD_0` … `SHARD_{N-1}`, SPEC §17): every table of a user but
 * the directory's. All shards share this schema; a user's rows are in exactly one of them, so
 * `user_id` refers to the directory's users without a foreign key. Timestamps are integer ms
 * since the epoch; ids are `crypto.randomUUID()`. `npm run db:generate` writes migrations/shard/.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { END_REASONS, TASK_PRIORITIES, TASK_STATUSES } from '../shared/api';
import { MESSAGE_ROLES, MESSAGE_STATUSES } from '../shared/protocol';

export const chats = sqliteTable(
  'chats',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    agentName: text('agent_name').notNull(),
    title: text('title').notNull().default('New chat'),
    /** Set when the user renamed the chat, so the first message no longer names it. */
    titleLocked: integer('title_locked', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    archivedAt: integer('archived_at'),
    /**
     * The message the chat is showing (SPEC §16): its path to the root is the conversation
     * shown and sent to the model. Null until the executor first records one; readers then
     * take the newest message (a chat with no head has never branched).
     */
    headSeq: integer('head_seq'),
  },
  (t) => [index('chats_user_agent_updated_idx').on(t.userId, t.agentName, t.updatedAt)],
);

export const chatSessions = sqliteTable(
  'chat_sessions',
  {
    id: text('id').primaryKey(),
    chatId: text('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    agentName: text('agent_name').notNull(),
    authSessionId: text('auth_session_id'),
    clientInstanceId: text('client_instance_id'),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    lastHeartbeatAt: integer('last_heartbeat_at').notNull(),
    endedAt: integer('ended_at'),
    endReason: text('end_reason', { enum: END_REASONS }),
  },
  (t) => [
    index('chat_sessions_user_agent_active_idx').on(t.userId, t.agentName, t.isActive),
    index('chat_sessions_chat_idx').on(t.chatId),
    index('chat_sessions_auth_session_idx').on(t.authSessionId),
  ],
);

export const chatMessages = sqliteTable(
  'chat_messages',
  {
    id: text('id').primaryKey(),
    chatId: text('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    /** The message this one follows (SPEC §16), always an earlier seq; null for a root. */
    parentSeq: integer('parent_seq'),
    role: text('role', { enum: MESSAGE_ROLES }).notNull(),
    content: text('content').notNull().default(''),
    /** JSON array of `{id, name, arguments}` for an assistant message that called tools. */
    toolCalls: text('tool_calls', { mode: 'json' }),
    toolCallId: text('tool_call_id'),
    name: text('name'),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull().default('complete'),
    clientMessageId: text('client_message_id'),
    model: text('model'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    /** JSON `{buildMs, ttftMs, totalMs, toolMs}` on assistant messages. */
    timings: text('timings', { mode: 'json' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('chat_messages_chat_seq_uq').on(t.chatId, t.seq),
    uniqueIndex('chat_messages_chat_client_msg_uq').on(t.chatId, t.clientMessageId),
    // Children of a message, in seq order: siblings counted and subtrees walked from the index alone.
    index('chat_messages_chat_parent_idx').on(t.chatId, t.parentSeq, t.seq),
  ],
);

export const agentInstructions = sqliteTable(
  'agent_instructions',
  {
    userId: text('user_id').notNull(),
    agentName: text('agent_name').notNull(),
    instructions: text('instructions').notNull().default(''),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.agentName] })],
);

export const agentMemories = sqliteTable(
  'agent_memories',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    agentName: text('agent_name').notNull(),
    content: text('content').notNull(),
    /** The chat and the message (its seq) of the turn that wrote it; null for a memory added by hand. */
    sourceChatId: text('source_chat_id'),
    sourceSeq: integer('source_seq'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('agent_memories_user_agent_created_idx').on(t.userId, t.agentName, t.createdAt),
    index('agent_memories_user_source_chat_idx').on(t.userId, t.sourceChatId),
  ],
);

export const tasks = sqliteTable(
  'tasks',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    title: text('title').notNull(),
    notes: text('notes').notNull().default(''),
    status: text('status', { enum: TASK_STATUSES }).notNull().default('todo'),
    priority: text('priority', { enum: TASK_PRIORITIES }).notNull().default('normal'),
    dueAt: integer('due_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    completedAt: integer('completed_at'),
  },
  (t) => [index('tasks_user_status_idx').on(t.userId, t.status, t.createdAt), index('tasks_user_created_idx').on(t.userId, t.createdAt)],
);

/** A read-only link to a chat as it was when shared (SPEC §15): messages up to `uptoSeq`, the title then. */
export const chatShares = sqliteTable(
  'chat_shares',
  {
    /** base64url of 18 random bytes (144 bits): the link is the only key a reader needs. */
    id: text('id').primaryKey(),
    chatId: text('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    title: text('title').notNull(),
    uptoSeq: integer('upto_seq').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('chat_shares_chat_created_idx').on(t.chatId, t.createdAt)],
);

/**
 * Where an imported chat came from (`chatgpt:<conversation id>`, `clarity:<chat id>`), so
 * importing the same file again imports nothing new. Deleting the chat forgets its source,
 * so a later import brings it back.
 */
export const chatImports = sqliteTable(
  'chat_imports',
  {
    userId: text('user_id').notNull(),
    sourceKey: text('source_key').notNull(),
    chatId: text('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.sourceKey] }), index('chat_imports_chat_idx').on(t.chatId)],
);

export type Chat = typeof chats.$inferSelect;
export type ChatSession = typeof chatSessions.$inferSelect;
export type ChatMessage = typeof chatMessages.$inferSelect;
export type Task = typeof tasks.$inferSelect;
export type Memory = typeof agentMemories.$inferSelect;
export type ChatShare = typeof chatShares.$inferSelect;
