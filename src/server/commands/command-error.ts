// How a request is refused: services and handlers throw a CommandError, and the dispatcher turns
// it into the request's one error reply (with its `ref`). A leaf module, so any service may use it.
import type { ErrorCode } from '../../common/errors.js';

export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    super(message);
  }
}
