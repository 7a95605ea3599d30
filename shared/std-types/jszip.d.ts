// The part of jszip's API that shared/ uses, typed without Node: jszip's own .d.ts pulls in
// @types/node, which would let Node-only code type-check in the "std" layer. Mapped over
// 'jszip' by tsconfig.shared.json only; the rest of the project sees jszip's real types.
declare module 'jszip' {
  namespace JSZip {
    interface JSZipObject {
      readonly name: string;
      readonly dir: boolean;
    }
    interface JSZipLoadOptions {
      checkCRC32?: boolean;
      createFolders?: boolean;
    }
    interface JSZipFileOptions {
      date?: Date;
      compression?: 'STORE' | 'DEFLATE';
      binary?: boolean;
    }
  }
  interface JSZip {
    file(name: string): JSZip.JSZipObject | null;
    file(name: string, data: Uint8Array, options?: JSZip.JSZipFileOptions): JSZip;
    generateAsync(options: { type: 'uint8array'; compression?: 'STORE' | 'DEFLATE' }): Promise<Uint8Array>;
  }
  interface JSZipConstructor {
    new (): JSZip;
    loadAsync(data: Uint8Array, options?: JSZip.JSZipLoadOptions): Promise<JSZip>;
  }
  const JSZip: JSZipConstructor;
  export default JSZip;
}
