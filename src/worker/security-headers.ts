/**
 * Security headers of every /api response (SPEC §13). The SPA and its assets never reach the
 * Worker (run_worker_first is /api/* only): the platform adds theirs from web/public/_headers,
 * which test/security-headers.test.ts holds to the same rules.
 *
 * An API response is data, never a page: its policy allows nothing at all, so a JSON body or
 * an exported transcript opened directly in a tab cannot run or load anything.
 */
import { secureHeaders } from 'hono/secure-headers';

export const API_CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

export const apiSecurityHeaders = secureHeaders({
  contentSecurityPolicy: API_CONTENT_SECURITY_POLICY,
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
  xContentTypeOptions: 'nosniff',
});
