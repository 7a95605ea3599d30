// The PDF check's warm pdf.js worker: a check that takes the waiting spare starts the next one
// at once, beside its own parse, so checks one after the other (several faxes queued in a
// row) each find a worker that has been loading since the previous check began, not since it
// ended. Still one worker per document.
import { afterAll, describe, expect, it } from 'vitest';
import { validatePdf } from '../../electron/services/outbox/pdf-check.ts';
import { sparePdfWorkerIdForTests, stopSparePdfWorker, warmPdfCheckWorker } from '../../electron/services/inbox/pdf-parse.ts';
import { makePdf } from './helpers.ts';

afterAll(() => stopSparePdfWorker());

describe('the PDF check and its spare worker', () => {
  it('taking the spare starts the next one before the check ends; each document gets its own', async () => {
    warmPdfCheckWorker();
    const first = sparePdfWorkerIdForTests();
    expect(first).toBeDefined();
    const checking = validatePdf(makePdf(2));
    // Loading already, while the first spare parses this document.
    const next = sparePdfWorkerIdForTests();
    expect(next).toBeDefined();
    expect(next).not.toBe(first);
    expect(await checking).toEqual({ pages: 2 });
    expect(sparePdfWorkerIdForTests()).toBe(next);
    const third = validatePdf(makePdf(3));
    expect(sparePdfWorkerIdForTests()).not.toBe(next);
    expect(await third).toEqual({ pages: 3 });
  });
});
