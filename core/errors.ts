/**
 * The one error users see from labctl, on the lowest floor so grader/, scenarios/, labs/ and infra/ raise it
 * without importing upward from the CLI, which only renders it. `hint` tells the user what to do next;
 * `exitCode` follows DESIGN.md (2 = ungradable / bad input). Anything else that escapes is a bug and is
 * reported as such.
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
