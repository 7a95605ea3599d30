// The PDF check's warm pdf.js worker: a check takes the waiting spare, and the next spare
// starts loading only once the checks paused, never beside one nor right after it (loading
// pdf.js keeps a core busy for a few hundred ms, and then it slowed the fax someone waits
// for); within a burst of checks, as early as possible without two loads side by side.
// Still one worker per document. A spare parses a one-page PDF of our own before it says it is ready,
// so pdf.js's code is warm when the real document comes.
import { afterAll, describe, expect, it } from 'vitest';
import { validatePdf } from '../../electron/services/outbox/pdf-check.ts';
import { setSpareQuietMsForTests, sparePdfWorkerIdForTests, sparePdfWorkerLoadedForTests, stopSparePdfWorker, warmPdfCheckWorker } from '../../electron/services/inbox/pdf-parse.ts';
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
    await waitFor('the next spare', () => sparePdfWorkerIdForTests() !== undefined);
  });

  it('taking a loaded spare starts the next one only once the checks paused; each document gets its own', async () => {
    warmPdfCheckWorker();
    await waitFor('the spare to load pdf.js', () => sparePdfWorkerLoadedForTests());
    const first = sparePdfWorkerIdForTests();
    expect(first).toBeDefined();
    const checking = validatePdf(makePdf(2));
    // Nothing loads beside this check, nor as soon as it is over.
    expect(sparePdfWorkerIdForTests()).toBeUndefined();
    expect(await checking).toEqual({ pages: 2 });
    expect(sparePdfWorkerIdForTests()).toBeUndefined();
    const next = await waitFor('the next spare', () => sparePdfWorkerIdForTests());
    expect(next).not.toBe(first);
    await waitFor('the next spare to load pdf.js', () => sparePdfWorkerLoadedForTests());
    const third = validatePdf(makePdf(3));
    expect(sparePdfWorkerIdForTests()).not.toBe(next);
    expect(await third).toEqual({ pages: 3 });
  });

  it('checks in a burst (one sooner than the pause after the previous) each prepare the next spare as soon as they are over', async () => {
    await waitFor('a spare', () => sparePdfWorkerLoadedForTests());
    expect(await validatePdf(makePdf(1))).toEqual({ pages: 1 });
    // Right after: a burst begins. It has no spare yet (it would have been loading beside this check).
    expect(sparePdfWorkerIdForTests()).toBeUndefined();
    expect(await validatePdf(makePdf(2))).toEqual({ pages: 2 });
    // Within the burst the next spare is on its way at once, for the check that may follow.
    const next = sparePdfWorkerIdForTests();
    expect(next).toBeDefined();
    expect(await validatePdf(makePdf(3))).toEqual({ pages: 3 });
    expect(sparePdfWorkerIdForTests()).not.toBe(next);
    expect(sparePdfWorkerIdForTests()).toBeDefined();
  });

  it('in a burst, a check that takes a loaded spare starts the next one beside its parse', async () => {
    // A long pause: every check from here on comes within a burst.
    setSpareQuietMsForTests(600_000);
    try {
      expect(await validatePdf(makePdf(1))).toEqual({ pages: 1 });
      warmPdfCheckWorker();
      await waitFor('the spare to load pdf.js', () => sparePdfWorkerLoadedForTests());
      const taken = sparePdfWorkerIdForTests();
      const checking = validatePdf(makePdf(2));
      const next = sparePdfWorkerIdForTests();
      expect(next).toBeDefined();
      expect(next).not.toBe(taken);
      expect(await checking).toEqual({ pages: 2 });
      expect(sparePdfWorkerIdForTests()).toBe(next);
    } finally {
      setSpareQuietMsForTests(null);
    }
  });

  it("the spare's warm-up document is one the strict check accepts, Info dictionary and all", async () => {
    // Were it refused early, the warm-up would not run the parser's whole path.
    expect(await validatePdf(warmUpPdf())).toEqual({ pages: 1 });
  });
});
