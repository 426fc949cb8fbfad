// What a plan review ends with, apart from the review itself (review.ts), which reads the
// plan with zod: the command's help names these exit codes without loading it.
import { EXIT_UNREADABLE, HomedockError } from "../config/errors";

/** Exit codes of `homedock review`. */
export const REVIEW_EXIT = {
  /** Read and summarized; no policy was hit. */
  ok: 0,
  /** The plan could not be read: not JSON, unknown format, not a homedock stack. */
  unreadable: EXIT_UNREADABLE,
  /** --fail-on-replace, and a workspace would be replaced. */
  replace: 3,
  /** --fail-on-destroy, and a workspace would be removed. */
  destroy: 4,
  /** Both policies hit. */
  both: 5,
} as const;

/** The plan cannot be reviewed; the message says why. Exit status REVIEW_EXIT.unreadable. */
export class PlanError extends HomedockError {
  constructor(message: string) {
    super(message, REVIEW_EXIT.unreadable);
  }

  /** Said by the review, whichever command asked for it (`review`, `plan`). */
  override report(): string {
    return super.report("homedock review");
  }
}
