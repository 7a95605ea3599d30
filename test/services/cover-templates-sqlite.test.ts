// Cover-page templates on a desk's own SQLite: the engines' shared contract.
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type Db } from '../../electron/services/storage/database.ts';
import { CoverTemplateStore } from '../../electron/services/outbox/cover-templates.ts';
import { coverTemplatesContract } from './cover-templates-contract.ts';
import { tempDir } from './helpers.ts';

describe('cover templates on SQLite', () => {
  const dir = tempDir('cover-templates');
  let db: Db;
  let store: CoverTemplateStore;

  beforeAll(() => {
    db = openDatabase(dir.path);
    store = new CoverTemplateStore(db, Date.now);
  });

  afterAll(() => {
    db.close();
    dir.remove();
  });

  coverTemplatesContract(() => store);
});
