// Things a user does that Playwright has no one-liner for.
import type { Page } from 'playwright-core';

/** Drop a PDF on the window the way the OS does: a real drop event with a DataTransfer holding a File. */
export async function dropPdf(page: Page, pdf: Uint8Array, fileName: string, selector = '.workspace'): Promise<void> {
  await page.evaluate(
    ({ b64, fileName, selector }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const file = new File([bytes], fileName, { type: 'application/pdf' });
      const dataTransfer = new DataTransfer();
      dataTransfer.items.add(file);
      const target = document.querySelector(selector);
      if (!target) throw new Error(`no ${selector} to drop on`);
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer }));
      }
    },
    { b64: Buffer.from(pdf).toString('base64'), fileName, selector },
  );
}

/** The pixels of the viewer's page canvas. */
export async function readPageCanvas(page: Page): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  const data = await page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('canvas.page-canvas');
    if (!canvas) throw new Error('no page canvas');
    const image = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let s = '';
    for (let i = 0; i < image.data.length; i += 0x8000) s += String.fromCharCode(...image.data.subarray(i, i + 0x8000));
    return { width: canvas.width, height: canvas.height, b64: btoa(s) };
  });
  return { width: data.width, height: data.height, rgba: new Uint8Array(Buffer.from(data.b64, 'base64')) };
}
