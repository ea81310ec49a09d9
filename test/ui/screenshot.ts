import * as http from 'http';

function harnessGet(pathname: string, params: Record<string, string | undefined>): Promise<string | undefined> {
  const base = process.env.VSCODE_TEST_SCREENSHOT_URL;
  if (!base) return Promise.resolve(undefined);
  const u = new URL(pathname, base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return new Promise((resolve, reject) => {
    http.get(u, res => {
      let body = '';
      res.on('data', d => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${pathname}: ${body}`))));
    }).on('error', reject);
  });
}

/** True when run by test/host/run-tests.mjs, which can see and photograph the workbench. */
export const hasHarness = (): boolean => !!process.env.VSCODE_TEST_SCREENSHOT_URL;

/**
 * Asks the harness to save a PNG of the workbench, or of the first element matching `selector`
 * (e.g. '.part.sidebar'), as test-results/screenshots/<name>.png. Resolves to the file path, or to
 * undefined when not run by that harness.
 */
export function screenshot(name: string, selector?: string): Promise<string | undefined> {
  return harnessGet('/shot', { name, selector });
}

/** innerText of every workbench element matching `selector`, as the browser renders it ([] if none). */
export async function workbenchText(selector: string): Promise<string[]> {
  const body = await harnessGet('/text', { selector });
  if (body === undefined) throw new Error('workbenchText needs the test/host harness');
  // Monaco renders spaces in editors as no-break spaces.
  return (JSON.parse(body) as string[]).map(t => t.replace(/\u00a0/g, ' '));
}

/** Polls workbenchText until `pred` holds (the DOM updates asynchronously); returns the last texts. */
export async function waitForText(selector: string, pred: (texts: string[]) => boolean, timeoutMs = 15000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  let texts = await workbenchText(selector);
  while (!pred(texts) && Date.now() < end) {
    await sleep(250);
    texts = await workbenchText(selector);
  }
  return texts;
}

export const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));
