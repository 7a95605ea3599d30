// The PDF check's warm pdf.js worker: a check that takes the waiting spare, loaded, starts the
// next one at once, beside its own parse, so checks one after the other (several faxes queued
// in a row) each find a worker that has been loading since the previous check began, not
// since it ended. A spare still loading gets its successor only after its check. Still one
// worker per document.
import { afterAll, describe, expect, it } from 'vitest';
import { validatePdf } from '../../electron/services/outbox/pdf-check.ts';
import { sparePdfWorkerIdForTests, sparePdfWorkerLoadedForTests, stopSparePdfWorker, warmPdfCheckWorker } from '../../electron/services/inbox/pdf-parse.ts';
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

  it('taking a loaded spare starts the next one before the check ends; each document gets its own', async () => {
    warmPdfCheckWorker();
    await waitFor('the spare to load pdf.js', () => sparePdfWorkerLoadedForTests());
    const first = sparePdfWorkerIdForTests();
    expect(first).toBeDefined();
    const checking = validatePdf(makePdf(2));
    // Loading already, while the first spare parses this document.
    const next = sparePdfWorkerIdForTests();
    expect(next).toBeDefined();
    expect(next).not.toBe(first);
    expect(await checking).toEqual({ pages: 2 });
    expect(sparePdfWorkerIdForTests()).toBe(next);
    await waitFor('the next spare to load pdf.js', () => sparePdfWorkerLoadedForTests());
    const third = validatePdf(makePdf(3));
    expect(sparePdfWorkerIdForTests()).not.toBe(next);
    expect(await third).toEqual({ pages: 3 });
  });
});
