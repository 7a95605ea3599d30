/**
 * File-system steps the relay's durability depends on: fsync a directory after a rename
 * (so the new name survives a power cut), and the start-up sweep that removes what a crash
 * left half-done.
 */
import { closeSync, fsyncSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * At start: every file in incoming/ is an upload that never completed (delete it); every
 * ciphertext in messages/ without an undelivered message row is either a publish that never
 * committed or a delivered message whose deletion was interrupted (delete it too).
 */
export function sweepOrphans(p: { incomingDir: string; messagesDir: string; undelivered: Set<string> }): { removed: number } {
  let removed = 0;
  for (const name of readdirSync(p.incomingDir)) {
    unlinkSync(join(p.incomingDir, name));
    removed++;
  }
  for (const name of readdirSync(p.messagesDir)) {
    const id = name.endsWith('.ct') ? name.slice(0, -3) : undefined;
    if (id !== undefined && p.undelivered.has(id)) continue;
    unlinkSync(join(p.messagesDir, name));
    removed++;
  }
  if (removed > 0) {
    fsyncDir(p.incomingDir);
    fsyncDir(p.messagesDir);
  }
  return { removed };
}
