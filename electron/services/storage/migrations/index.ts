// Every schema step, in order. Append only: a new step gets the next number and its own file.
import type { Migration } from '../migrate.ts';
import { initial } from './001-initial.ts';
import { pstnJobs } from './002-pstn-jobs.ts';
import { trustByNumber } from './003-trust-by-number.ts';
import { coverSubject } from './004-cover-subject.ts';
import { keyChangeColumns } from './005-key-change-columns.ts';
import { sendGroupsAndSchedule } from './006-send-groups-and-schedule.ts';
import { pageRotations } from './007-page-rotations.ts';
import { coverTemplates } from './008-cover-templates.ts';
import { inboxLineCounts } from './009-inbox-line-counts.ts';

export const MIGRATIONS: readonly Migration[] = [initial, pstnJobs, trustByNumber, coverSubject, keyChangeColumns, sendGroupsAndSchedule, pageRotations, coverTemplates, inboxLineCounts];

// A gap or a reordering would let two installs disagree about what version N means.
MIGRATIONS.forEach((m, i) => {
  if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
});
