/**
 * The renderer's Content-Security-Policy, in one place. The Electron shell sends it as a
 * response header (electron/main/security.ts, app-protocol.ts), the e2e harness's static
 * server sends the same header (test/e2e/harness/static-server.ts), and renderer/index.html
 * carries it as a <meta> tag, which cannot hold frame-ancestors (browsers ignore it there).
 * test/security/csp.test.ts checks the three agree.
 *
 * No 'unsafe-eval': only 'wasm-unsafe-eval', which pdf.js's image decoders need.
 */
const DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
] as const;

/** The header value (stronger than the <meta> copy: it applies before the page is parsed). */
export const CONTENT_SECURITY_POLICY: string = DIRECTIVES.join('; ');

/** What renderer/index.html's <meta http-equiv="Content-Security-Policy"> must say. */
export const CONTENT_SECURITY_POLICY_META: string = DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors ')).join('; ');
