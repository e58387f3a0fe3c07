/**
 * The refusals of the per-user caps (SPEC §13), one wording wherever a cap is enforced. A
 * count the user lowers by deleting things is a 409 conflict; sockets and sessions free up on
 * their own as tabs close or lapse, so theirs say so.
 */
import { ApiError } from './errors';

export const chatCapReached = (max: number) => new ApiError('conflict', `You have reached the limit of ${max} chats; delete some to start another`);
export const taskCapReached = (max: number) => new ApiError('conflict', `You have reached the limit of ${max} tasks; delete some to add another`);
export const sessionCapReached = (max: number) =>
  new ApiError('conflict', `This agent already has ${max} open sessions for your account; close some tabs (idle ones end by themselves)`);
export const socketCapReached = (max: number) => new ApiError('conflict', `This chat already has ${max} live connections; close some tabs`);

/** What a tool call over the per-round cap answers the model, instead of running. */
export const toolCallCapMessage = (max: number) => `Not run: at most ${max} tool calls are run per reply; call the rest in a later reply`;
