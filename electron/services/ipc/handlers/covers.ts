/** Cover-page templates and the office's logo (Settings → Cover pages). */
import type { DeskServices } from '../../desk-services.ts';
import type { HandlerContext, HandlersFor } from './context.ts';

export type CoverServices = Pick<DeskServices, 'coverTemplates'>;

type CoverChannel = 'covers.list' | 'covers.save' | 'covers.delete' | 'covers.setLogo' | 'covers.removeLogo';

export function coverHandlers(ctx: HandlerContext<CoverServices>): HandlersFor<CoverChannel> {
  // In an office: the office's templates and logo, the same on every desk.
  const store = async () => (await ctx.services()).coverTemplates();
  return {
    'covers.list': async () => {
      const s = await store();
      return { templates: await s.list(), logo: await s.logo() };
    },
    'covers.save': async (req) => (await store()).save(req),
    'covers.delete': async ({ id }) => { await (await store()).delete(id); return null; },
    'covers.setLogo': async ({ fileName, data }) => (await store()).setLogo(fileName, data),
    'covers.removeLogo': async () => { await (await store()).removeLogo(); return null; },
  };
}
