import { LabctlError } from '../core/errors.ts';

/**
 * What labs/ code throws for anything a user can fix (bad seed, host unreachable, sudo refused...): a
 * LabctlError (message + hint + exit code) under its own name, so logs say which part failed.
 */
export class LabError extends LabctlError {
  override name = 'LabError';
}
