import type { Command } from 'commander';

export function registerInspect(program: Command): void {
  void program;
}
