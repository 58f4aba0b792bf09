import type { Command } from 'commander';

export function registerLab(program: Command): void {
  void program;
}
