/**
 * The one error users see from labctl. `hint` tells them what to do next; `exitCode` follows DESIGN.md
 * (2 = ungradable / bad input). Anything else that escapes is a bug and is reported as such.
 */
export class LabctlError extends Error {
  override name = 'LabctlError';
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
