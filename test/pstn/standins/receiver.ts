/**
 * Our side of the webhooks in tests: a real HTTP listener on 127.0.0.1 that reads the raw
 * body, asks the adapter (through handlePstnWebhook, the same path the services use) and
 * answers as that decides. Keeps every request and outcome so tests can replay and inspect.
 */
import { createServer } from 'node:http';
import { handlePstnWebhook, type WebhookOutcome } from '../../../electron/services/pstn/webhook-http.ts';
import type { PstnProvider, PstnWebhookEvent } from '../../../electron/services/pstn/provider.ts';
import { closeServer, listen, readBody } from './common.ts';

export interface ReceivedRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  outcome: WebhookOutcome;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Events that were accepted (first copies with good signatures), in arrival order. */
  events: PstnWebhookEvent[];
  /** Resolves with the first accepted event matching, waiting for it if need be. */
  waitFor(predicate: (event: PstnWebhookEvent) => boolean): Promise<PstnWebhookEvent>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(provider: PstnProvider): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const events: PstnWebhookEvent[] = [];
  const waiters: { predicate: (e: PstnWebhookEvent) => boolean; resolve: (e: PstnWebhookEvent) => void }[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const outcome = handlePstnWebhook(provider, req.headers, body);
      received.push({ headers: req.headers, body, outcome });
      if (outcome.kind === 'accepted') {
        events.push(outcome.event);
        for (const waiter of [...waiters]) {
          if (waiter.predicate(outcome.event)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(outcome.event);
          }
        }
      }
      res.writeHead(outcome.httpStatus, { 'content-type': 'text/plain' });
      res.end(outcome.kind);
    });
  });
  const url = `${await listen(server)}/webhooks`;
  return {
    url,
    received,
    events,
    waitFor(predicate) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    close: () => closeServer(server),
  };
}
