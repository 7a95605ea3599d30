/** The phone book. */
import type { DeskServices } from '../../desk-services.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type ContactServices = Pick<DeskServices, 'contacts'>;

type ContactChannel = 'contacts.list' | 'contacts.save' | 'contacts.delete' | 'contacts.importCsv' | 'contacts.exportCsv';

export function contactHandlers(ctx: HandlerContext<ContactServices>): HandlersFor<ContactChannel> {
  const svc = ctx.services;
  return {
    'contacts.list': async ({ query }) => (await svc()).contacts.list(query),
    'contacts.save': async (c) => (await svc()).contacts.save(c),
    'contacts.delete': async ({ id }) => { (await svc()).contacts.delete(id); return null; },
    'contacts.importCsv': async ({ csv }) => (await svc()).contacts.importCsv(csv),
    'contacts.exportCsv': async () => ({ csv: (await svc()).contacts.exportCsv() }),
  };
}
