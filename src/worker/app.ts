/**
 * The Hono app under /api. Middleware order matters: request id and headers first, the body
 * limit before anything reads a body, the Origin check before auth so a forged cookie write
 * never touches D1.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { requestId } from 'hono/request-id';
import { ApiError } from '../shared/errors';
import { handleError } from './errors';
import type { HonoEnv } from './hono-env';
import { allowedCors } from './middleware/allowed-cors';
import { originCheck } from './middleware/origin-check';
import { authRoutes } from './routes/auth';
import { healthRoutes } from './routes/health';
import { agentRoutes } from './routes/agents';
import { chatRoutes } from './routes/chats';
import { IMPORT_PATH } from './routes/chat-import';
import { searchRoutes } from './routes/search';
import { shareRoutes } from './routes/shares';
import { sessionRoutes } from './routes/sessions';
import { taskRoutes } from './routes/tasks';
import { chatTurnRoutes, compatChatRoutes } from './routes/turns';
import { requestTiming } from './request-timing';
import { bookmarkHeader } from './user-db';
import { apiSecurityHeaders } from './security-headers';
import { wellFormedUrl } from './middleware/well-formed-url';

export const MAX_BODY_BYTES = 64 * 1024;

const api = new Hono<HonoEnv>()
  .use(requestTiming)
  .use(bookmarkHeader)
  .use(requestId())
  .use(
    // The import route sets its own limit (IMPORT_MAX_BYTES).
    except(
      IMPORT_PATH,
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: () => {
          throw new ApiError('payload_too_large', 'Request body is larger than 64 KiB');
        },
      }),
    ),
  )
  .use(allowedCors)
  .use(originCheck)
  .route('/health', healthRoutes)
  .route('/auth', authRoutes)
  .route('/agents', agentRoutes)
  // Turns first: they authenticate by signature alone (their executor knows revoked logins),
  // so they must not pass through the chats sub-app's D1-checked auth.
  .route('/chats', chatTurnRoutes)
  .route('/chats', chatRoutes)
  .route('/sessions', sessionRoutes)
  .route('/tasks', taskRoutes)
  .route('/search', searchRoutes)
  // No login: whoever has a share's link may read it.
  .route('/shares', shareRoutes)
  .route('/chat', compatChatRoutes);

// Outermost, so error and not-found answers carry the headers too.
const app = new Hono<HonoEnv>().use(apiSecurityHeaders).use(wellFormedUrl).route('/api', api);
app.notFound((c) => handleError(new ApiError('not_found', `No route for ${c.req.method} ${c.req.path}`), c));
app.onError(handleError);

export type AppType = typeof api;
export default app;
