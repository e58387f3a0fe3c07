/** The Worker entry: the Hono app, and every Durable Object class the runtime must find. */
import app from './app';

export { AgentExecutor } from '../objects/agent-executor';
export { RateLimiter } from '../objects/rate-limiter';
export default app;
