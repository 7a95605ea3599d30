// One Content-Security-Policy for the renderer: shared/app/csp.ts. The Electron shell's header,
// the e2e harness's header and renderer/index.html's <meta> tag must all say the same thing
// (the <meta> copy without frame-ancestors, which browsers ignore there). Reads the sources,
// so it runs without Electron and without a build.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_META } from '../../shared/app/csp.ts';
import { CSP as HARNESS_CSP } from '../e2e/harness/static-server.ts';

const repoFile = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

describe('the renderer CSP has one source', () => {
  it('the e2e harness serves exactly the shared policy', () => {
    expect(HARNESS_CSP).toBe(CONTENT_SECURITY_POLICY);
  });

  it('the Electron shell takes its policy from shared/app/csp.ts and defines no copy of its own', () => {
    const security = repoFile('electron/main/security.ts');
    expect(security).toContain("import { CONTENT_SECURITY_POLICY } from '../../shared/app/csp.ts';");
    expect(security).not.toMatch(/"default-src /);
    // app-protocol.ts sets the header on every app:// response from that same constant.
    expect(repoFile('electron/main/app-protocol.ts')).toMatch(/import \{[^}]*\bCONTENT_SECURITY_POLICY\b[^}]*\} from '\.\/security\.ts'/);
  });

  it("renderer/index.html's <meta> tag equals the shared policy minus frame-ancestors", () => {
    const html = repoFile('renderer/index.html');
    const metas = [...html.matchAll(/http-equiv="Content-Security-Policy" content="([^"]+)"/g)].map((m) => m[1]);
    expect(metas).toEqual([CONTENT_SECURITY_POLICY_META]);
    expect(CONTENT_SECURITY_POLICY).toBe(`${CONTENT_SECURITY_POLICY_META}; frame-ancestors 'none'`);
  });

  it('allows no eval beyond WebAssembly and no plug-ins, frames or foreign origins', () => {
    expect(CONTENT_SECURITY_POLICY).not.toContain("'unsafe-eval'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*/);
  });
});
