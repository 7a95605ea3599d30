// The desk's webhook listener as an internet stranger sees it through the tunnel: it must not
// tell which org ids it serves, must accept a rotated-away secret only for the relay's
// five-minute overlap, and must not keep every event id it ever saw.
import { asOrgId } from '../../shared/domain/ids.ts';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webhookSignatureHeader } from '../../shared/protocol/index.ts';
import { WEBHOOK_HEADERS } from '../../shared/fxe-api/types.ts';
import { openDatabase, type Db } from '../../electron/services/storage/database.ts';
import { createMemoryKeychain } from '../../electron/services/keychain/keychain.ts';
import { startWebhookListener, type WebhookListener } from '../../electron/services/receiver/webhook-listener.ts';
import { WEBHOOK_SECRET_OVERLAP_MS, WebhookSecretStore } from '../../electron/services/receiver/webhook-secrets.ts';
import { openVault, type Vault } from '../../electron/services/vault/vault.ts';
import { tempDir } from '../services/helpers.ts';

const ORG = asOrgId('org_northside');
const te = new TextEncoder();

describe('webhook listener', () => {
  let dir: { path: string; remove(): void };
  let db: Db;
  let vault: Vault;
  let secrets: WebhookSecretStore;
  let listener: WebhookListener;
  let now = Date.UTC(2026, 0, 5, 9, 0, 0);
  const events: string[] = [];

  beforeEach(async () => {
    dir = tempDir('webhook-listener');
    db = openDatabase(join(dir.path, 'data'));
    vault = await openVault(join(dir.path, 'data'), createMemoryKeychain());
    secrets = new WebhookSecretStore(vault, () => now);
    listener = await startWebhookListener({
      db, port: 0, nowMs: () => now, secretsFor: (orgId) => secrets.secrets(asOrgId(orgId)), onEvent: (_o, e) => { events.push(e.event_id); },
    });
  });

  afterEach(async () => {
    await listener.close();
    vault.close();
    db.close();
    dir.remove();
  });

  async function deliver(orgId: string, eventId: string, secret: string): Promise<{ status: number; text: string }> {
    const body = te.encode(JSON.stringify({ event_id: eventId, type: 'message.received', message_id: '00000000-0000-4000-8000-000000000001' }));
    const ts = String(Math.floor(now / 1000));
    const res = await fetch(`${listener.url}/fxe-webhook/${orgId}`, {
      method: 'POST', body,
      headers: { [WEBHOOK_HEADERS.timestamp]: ts, [WEBHOOK_HEADERS.signature]: webhookSignatureHeader({ secrets: [te.encode(secret)], timestamp: ts, body }), [WEBHOOK_HEADERS.eventId]: eventId, [WEBHOOK_HEADERS.eventType]: 'message.received' },
    });
    return { status: res.status, text: await res.text() };
  }

  it('answers an unknown org id exactly like a bad signature', async () => {
    secrets.set(ORG, 'whsec_current');
    const wrongSecret = await deliver(ORG, 'evt_1', 'whsec_guess');
    const unknownOrg = await deliver('org_nobody', 'evt_2', 'whsec_guess');
    const badEncoding = await deliver('%E0%A4%A', 'evt_3', 'whsec_guess');
    expect(wrongSecret.status).toBe(401);
    expect(unknownOrg).toEqual(wrongSecret);
    expect(badEncoding).toEqual(wrongSecret);
    expect(events).toEqual([]);
  });

  it('accepts the previous secret only during the five-minute overlap', async () => {
    secrets.set(ORG, 'whsec_old');
    now += 3_600_000;
    secrets.set(ORG, 'whsec_new');
    expect((await deliver(ORG, 'evt_a', 'whsec_new')).status).toBe(200);
    expect((await deliver(ORG, 'evt_b', 'whsec_old')).status).toBe(200);
    now += WEBHOOK_SECRET_OVERLAP_MS;
    expect((await deliver(ORG, 'evt_c', 'whsec_old')).status).toBe(401);
    expect((await deliver(ORG, 'evt_d', 'whsec_new')).status).toBe(200);
    // Registering again with the same secret does not revive the old one.
    secrets.set(ORG, 'whsec_new');
    expect((await deliver(ORG, 'evt_e', 'whsec_old')).status).toBe(401);
    expect(events).toEqual(['evt_a', 'evt_b', 'evt_d']);
  });

  it('forgets event ids once a repeat could no longer pass the timestamp check', async () => {
    secrets.set(ORG, 'whsec_current');
    for (let i = 0; i < 5; i++) expect((await deliver(ORG, `evt_old_${i}`, 'whsec_current')).status).toBe(200);
    const count = (): number => (db.prepare('SELECT count(*) AS n FROM webhook_events').get() as { n: number }).n;
    expect(count()).toBe(5);
    // Within the window a repeat is still recognised.
    now += 5 * 60_000;
    expect(JSON.parse((await deliver(ORG, 'evt_old_0', 'whsec_current')).text)).toMatchObject({ duplicate: true });
    now += 60 * 60_000;
    expect((await deliver(ORG, 'evt_new', 'whsec_current')).status).toBe(200);
    expect(count()).toBe(1);
  });
});
