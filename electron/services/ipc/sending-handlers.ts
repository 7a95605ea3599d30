/**
 * Handlers for sending to several recipients and at a later time, and for the phone book's
 * contact groups. Inputs arrive validated (validate.ts).
 */
import { submitGroup } from '../outbox/send-group.ts';
import type { HandlerContext, Handlers } from './handlers.ts';

type SendingChannels = 'send.submitGroup' | 'outbox.cancelScheduled' | 'outbox.sendNow' | 'groups.list' | 'groups.save' | 'groups.delete' | 'groups.setMembers';

export function createSendingHandlers(ctx: HandlerContext): Pick<Handlers, SendingChannels> {
  const svc = ctx.services;
  return {
    'send.submitGroup': async (req) => {
      const s = await svc();
      const result = await submitGroup({ outbox: s.outbox, nowMs: ctx.nowMs, log: ctx.log }, req);
      ctx.emitFaxesChanged();
      return result;
    },
    'outbox.cancelScheduled': async ({ id }) => {
      (await svc()).outbox.cancelScheduled(id);
      ctx.emitFaxesChanged();
      return null;
    },
    'outbox.sendNow': async ({ id }) => {
      // Not awaited: the answer is "it is on its way", the Outbox follows the rest.
      void (await svc()).outbox.sendNow(id);
      ctx.emitFaxesChanged();
      return null;
    },
    'groups.list': async () => (await svc()).groups.list(),
    'groups.save': async (req) => (await svc()).groups.save(req),
    'groups.delete': async ({ id }) => { (await svc()).groups.delete(id); return null; },
    'groups.setMembers': async ({ id, contactIds }) => (await svc()).groups.setMembers(id, contactIds),
  };
}
