/**
 * Branded ids: at run time plain strings, at compile time distinct types, so an org id
 * passed where a fax id (or a fingerprint where an org id) belongs fails the type-check.
 * A value becomes one of these only where it enters the program already checked: the IPC
 * validators, the database's own rows, the relay's verified answers. Those places call the
 * constructors below; everything after passes the branded type along.
 */
declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

/** An fxe organisation ("org_…"): ours or a peer's. */
export type OrgId = Branded<string, 'OrgId'>;
/** A fax in this desk's database (= the fxe message_id for fxe faxes). */
export type FaxId = Branded<string, 'FaxId'>;
/** An fxe message on the relay. */
export type MessageId = Branded<string, 'MessageId'>;
/** The hex SHA-256 fingerprint of an org's signing key, as pinned and shown to the user. */
export type Fingerprint = Branded<string, 'Fingerprint'>;

export const asOrgId = (s: string): OrgId => s as OrgId;
export const asFaxId = (s: string): FaxId => s as FaxId;
export const asMessageId = (s: string): MessageId => s as MessageId;
export const asFingerprint = (s: string): Fingerprint => s as Fingerprint;

/** An fxe fax is kept under its message id (sent: the id we sealed it with; received: the relay's, checked). */
export const faxIdForMessage = (m: MessageId): FaxId => asFaxId(m);
/** The message id an outgoing fxe fax is sealed under: its own fax id (the outbox makes both at once). */
export const messageIdOfSentFax = (f: FaxId): MessageId => asMessageId(f);
