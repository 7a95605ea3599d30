// The few runtime globals shared/ relies on, declared for the "std" type check
// (tsconfig.shared.json: no DOM lib, no Node types). Each exists alike in Node, Electron's
// main process and browsers, which is why shared/ may use them and nothing else.
// The main tsconfig excludes this folder: there, DOM and Node declare the full versions.

declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}

interface MessagePort {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

declare class MessageChannel {
  readonly port1: MessagePort;
  readonly port2: MessagePort;
}

declare var crypto: { getRandomValues<T extends Uint8Array>(array: T): T };
