// What the sidebar lists besides the folders: the tags in use and the number in the Trash,
// fetched again whenever the fax lists change (refreshKey).
import type { OrgId } from '../../../shared/domain/ids.ts';
import { useEffect, useRef, useState } from 'react';
import { call } from '../api.ts';

export function useSidebarLists(orgId: OrgId, refreshKey: number, onTagsLoaded: (tags: string[]) => void): { tags: string[]; trashCount: number } {
  const [tags, setTags] = useState<string[]>([]);
  const [trashCount, setTrashCount] = useState(0);
  const tagsLoaded = useRef(onTagsLoaded);
  tagsLoaded.current = onTagsLoaded;
  useEffect(() => {
    call('faxes.tags', {}).then(
      (list) => {
        setTags(list);
        tagsLoaded.current(list);
      },
      () => setTags([]),
    );
  }, [refreshKey]);
  useEffect(() => {
    call('trash.list', { orgId, offset: 0, limit: 1 }).then((p) => setTrashCount(p.total), () => setTrashCount(0));
  }, [refreshKey, orgId]);
  return { tags, trashCount };
}
