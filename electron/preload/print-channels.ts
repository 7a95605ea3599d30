// IPC channel names of the hidden print window, shared by electron/preload/print.ts and
// electron/main/printing.ts. Kept in their own file (not shared/ipc/contract.ts) so each
// sandboxed preload bundles into one self-contained file: a sandboxed preload cannot
// require a shared chunk.
export const PRINT_DOCUMENT_CHANNEL = 'fxe:print:document';
export const PRINT_READY_CHANNEL = 'fxe:print:ready';
