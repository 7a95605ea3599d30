/**
 * One handler per request channel of shared/ipc/contract.ts, grouped by domain (one file
 * each). Inputs arrive already validated (validate.ts); handlers delegate to the services and
 * never return a secret. The `Handlers` type makes a channel without a handler a compile error.
 */
import type { AppStatus } from '../../../../shared/ipc/contract.ts';
import type { OrgSummary } from '../../../../shared/domain/types.ts';
import type { DeskServices } from '../../desk-services.ts';
import { composeHandlers } from './compose.ts';
import { contactHandlers } from './contacts.ts';
import type { HandlerContext, Handlers } from './context.ts';
import { coverHandlers } from './covers.ts';
import { faxHandlers } from './faxes.ts';
import { officeHandlers } from './office.ts';
import { orgHandlers } from './orgs.ts';
import { pstnHandlers } from './pstn.ts';
import { sendHandlers } from './send.ts';
import { sendingHandlers } from './sending.ts';
import { settingsHandlers } from './settings.ts';

export type { Dialogs, Handlers, Printer } from './context.ts';

export interface DeskHandlerContext extends HandlerContext<DeskServices> {
  status(): Promise<AppStatus>;
  startDemo(): Promise<OrgSummary[]>;
}

export function createHandlers(ctx: DeskHandlerContext): Handlers {
  return {
    'app.status': () => ctx.status(),
    'demo.start': () => ctx.startDemo(),
    ...orgHandlers(ctx),
    ...faxHandlers(ctx),
    ...sendHandlers(ctx),
    ...sendingHandlers(ctx),
    ...composeHandlers(ctx),
    ...pstnHandlers(ctx),
    ...contactHandlers(ctx),
    ...coverHandlers(ctx),
    ...settingsHandlers(ctx),
    ...officeHandlers(ctx),
  };
}
