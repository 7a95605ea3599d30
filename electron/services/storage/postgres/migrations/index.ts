/** Every office schema step in order; a new step is a new file here, never an edit of an old one. */
import type { PgMigration } from '../migrate.ts';
import { officeInitial } from './001-office.ts';
import { recentFirst } from './002-recent-first.ts';
import { sharedPins } from './003-shared-pins.ts';
import { contactGroups } from './004-contact-groups.ts';
import { unreadCounts } from './005-unread-counts.ts';
import { searchWindow } from './006-search-window.ts';
import { officeDeskShared } from './007-office-desk-shared.ts';
import { outboxSendLater } from './008-outbox-send-later.ts';
import { officePstn } from './009-office-pstn.ts';

export const PG_MIGRATIONS: readonly PgMigration[] = [officeInitial, recentFirst, sharedPins, contactGroups, unreadCounts, searchWindow, officeDeskShared, outboxSendLater, officePstn];
