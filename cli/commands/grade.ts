import type { Command } from 'commander';

export function registerGrade(program: Command): void {
  void program;
}
