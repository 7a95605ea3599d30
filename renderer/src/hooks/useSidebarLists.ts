// What the sidebar lists besides the folders: the tags in use, the number in the Trash and
// the office's receiving numbers with their unread counts (departments), the key changes
// waiting for a decision, fetched again whenever the fax lists change (refreshKey). At start
// they wait until the list's first rows are on screen: main answers in order, and these must
// not hold up the rows.
import type { OrgId } from '../../../shared/domain/ids.ts';
import { useEffect, useRef, useState } from 'react';
import type { FaxLine } from '../../../shared/domain/types.ts';
import { call } from '../api.ts';
import { afterFirstRows } from '../startup.ts';

export function useSidebarLists(orgId: OrgId, refreshKey: number, onTagsLoaded: (tags: string[]) => void): { tags: string[]; trashCount: number; lines: FaxLine[]; keyChanges: number } {
  const [tags, setTags] = useState<string[]>([]);
  const [trashCount, setTrashCount] = useState(0);
  const [lines, setLines] = useState<FaxLine[]>([]);
  const [keyChanges, setKeyChanges] = useState(0);
  const tagsLoaded = useRef(onTagsLoaded);
  tagsLoaded.current = onTagsLoaded;
  useEffect(() => {
    void afterFirstRows().then(() =>
      call('faxes.tags', {}).then(
        (list) => {
          setTags(list);
          tagsLoaded.current(list);
        },
        () => setTags([]),
      ),
    );
  }, [refreshKey]);
  useEffect(() => {
    void afterFirstRows().then(() => {
      call('trash.list', { orgId, offset: 0, limit: 1 }).then((p) => setTrashCount(p.total), () => setTrashCount(0));
      call('faxes.lines', { orgId }).then(setLines, () => setLines([]));
      // Held key changes: a notice in the sidebar while any wait for a decision. Unreadable (the
      // office database away): keep the last count rather than hide a pending decision.
      call('keys.changes', { orgId }).then((list) => setKeyChanges(list.length), () => undefined);
    });
  }, [refreshKey, orgId]);
  return { tags, trashCount, lines, keyChanges };
}
