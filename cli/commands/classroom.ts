import type { Command } from 'commander';

export function registerClassroom(program: Command): void {
  void program;
}
