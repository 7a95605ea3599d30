/** The phone book: this desk's, or the office's shared one in an office. */
import type { DeskServices } from '../../desk-services.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type ContactServices = Pick<DeskServices, 'inbox'>;

type ContactChannel = 'contacts.list' | 'contacts.save' | 'contacts.delete' | 'contacts.importCsv' | 'contacts.exportCsv';

export function contactHandlers(ctx: HandlerContext<ContactServices>): HandlersFor<ContactChannel> {
  const book = async () => (await ctx.services()).inbox().contacts;
  return {
    'contacts.list': async ({ query }) => (await book()).list(query),
    'contacts.save': async (c) => (await book()).save(c),
    'contacts.delete': async ({ id }) => { await (await book()).delete(id); return null; },
    'contacts.importCsv': async ({ csv }) => (await book()).importCsv(csv),
    'contacts.exportCsv': async () => ({ csv: await (await book()).exportCsv() }),
  };
}
