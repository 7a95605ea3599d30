// The PDF check's warm pdf.js worker: a check takes the waiting spare, and the next spare
// starts loading only once that check is over, never beside it (loading pdf.js keeps a core
// busy for a few hundred ms, and beside the check it slowed the fax someone waits for). Still
// one worker per document. A spare parses a one-page PDF of our own before it says it is ready,
// so pdf.js's code is warm when the real document comes.
import { afterAll, describe, expect, it } from 'vitest';
import { validatePdf } from '../../electron/services/outbox/pdf-check.ts';
import { sparePdfWorkerIdForTests, sparePdfWorkerLoadedForTests, stopSparePdfWorker, warmPdfCheckWorker } from '../../electron/services/inbox/pdf-parse.ts';
import { warmUpPdf } from '../../electron/services/inbox/pdf-parse-worker.ts';
import { makePdf, waitFor } from './helpers.ts';

afterAll(() => stopSparePdfWorker());

describe('the PDF check and its spare worker', () => {
  it('a spare taken while still loading gets its successor only after its check (never two loads at once)', async () => {
    warmPdfCheckWorker();
    expect(sparePdfWorkerIdForTests()).toBeDefined();
    expect(sparePdfWorkerLoadedForTests()).toBe(false);
    const checking = validatePdf(makePdf(1));
    expect(sparePdfWorkerIdForTests()).toBeUndefined();
    expect(await checking).toEqual({ pages: 1 });
    expect(sparePdfWorkerIdForTests()).toBeDefined();
  });

  it('taking a loaded spare starts the next one only after the check; each document gets its own', async () => {
    warmPdfCheckWorker();
    await waitFor('the spare to load pdf.js', () => sparePdfWorkerLoadedForTests());
    const first = sparePdfWorkerIdForTests();
    expect(first).toBeDefined();
    const checking = validatePdf(makePdf(2));
    // Nothing loads beside this check.
    expect(sparePdfWorkerIdForTests()).toBeUndefined();
    expect(await checking).toEqual({ pages: 2 });
    const next = sparePdfWorkerIdForTests();
    expect(next).toBeDefined();
    expect(next).not.toBe(first);
    await waitFor('the next spare to load pdf.js', () => sparePdfWorkerLoadedForTests());
    const third = validatePdf(makePdf(3));
    expect(sparePdfWorkerIdForTests()).not.toBe(next);
    expect(await third).toEqual({ pages: 3 });
  });

  it("the spare's warm-up document is one the strict check accepts, Info dictionary and all", async () => {
    // Were it refused early, the warm-up would not run the parser's whole path.
    expect(await validatePdf(warmUpPdf())).toEqual({ pages: 1 });
  });
});
