import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { durationMinutes, isOpenToInternet, seatsOf, type Classroom } from './classroom-schema.ts';
import { DISTROS } from './distros.ts';

/** The policy tests the project ships (`infra/tests/*.tftest.hcl`). */
export const TESTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'tests');
export const EXPECTATIONS_FILE = 'classroom.auto.tfvars.json';

/**
 * What the shipped tests expect of this classroom, computed from classroom.yaml rather than from the stack,
 * so a stack that drops or renames a VM fails the test instead of agreeing with itself.
 */
export function testExpectations(c: Classroom): Record<string, unknown> {
  const seats = seatsOf(c);
  return {
    expected_class: c.name,
    expected_seats: seats.map((s) => s.key),
    expected_users: Object.fromEntries(seats.map((s) => [s.key, DISTROS[s.distro].user])),
    expected_ssh_cidrs: c.ssh.allowedCidrs,
    ssh_open_allowed: isOpenToInternet(c) && c.ssh.allowAnywhere,
    expected_disk_gb: c.diskGb,
    expected_shutdown_behavior: c.onExpiry,
    expected_ttl_minutes: durationMinutes(c.ttl),
  };
}

/**
 * Puts the shipped `.tftest.hcl` files and this classroom's expectations into `<stackDir>/tests/`, where
 * `terraform test` looks; terraform loads `*.auto.tfvars.json` from that directory for every test file.
 */
export function installTests(stackDir: string, c: Classroom): string[] {
  const target = join(stackDir, 'tests');
  mkdirSync(target, { recursive: true });
  const files = readdirSync(TESTS_DIR).filter((f) => f.endsWith('.tftest.hcl')).sort();
  for (const f of files) copyFileSync(join(TESTS_DIR, f), join(target, f));
  writeFileSync(join(target, EXPECTATIONS_FILE), `${JSON.stringify(testExpectations(c), null, 2)}\n`);
  return files;
}
