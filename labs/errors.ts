/**
 * The error labs/ code throws for anything a user can fix (bad seed, host unreachable, sudo refused...).
 * It has the `hint` + `exitCode` shape cli/main.ts prints as a user-facing error, without a stack.
 */
export class LabError extends Error {
  override name = 'LabError';
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
