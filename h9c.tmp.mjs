import crypto from 'node:crypto';
const { createNodeBackend } = await import('/work/main/electron/services/crypto/node-backend.ts');
const cpu = () => { const u = process.threadCpuUsage(); return (u.user + u.system) / 1000; };
const key = crypto.randomBytes(32), nonce = crypto.randomBytes(24), aad = crypto.randomBytes(80);
const nb = createNodeBackend();
for (const size of [10, 100]) {
  const pt = new Uint8Array(size << 20); for (let i=0;i<pt.length;i+=65536) crypto.getRandomValues(pt.subarray(i, i+65536));
  let bs = [Infinity, Infinity], bo = [Infinity, Infinity];
  const reps = size === 100 ? 5 : 20;
  for (let r = 0; r < reps; r++) {
    let c = cpu(), t = performance.now(); let ct = (await nb.sealAndHash(key, nonce, pt, aad)).ciphertext;
    bs = [Math.min(bs[0], performance.now() - t), Math.min(bs[1], cpu() - c)];
    c = cpu(); t = performance.now(); let o = await nb.openAndHash(key, ct, aad);
    bo = [Math.min(bo[0], performance.now() - t), Math.min(bo[1], cpu() - c)]; ct = null; o = null;
  }
  console.log(size, 'MiB seal wall', bs[0].toFixed(2), 'ms main-cpu', bs[1].toFixed(2), '| open wall', bo[0].toFixed(2), 'main-cpu', bo[1].toFixed(2), ' → wall MB/s', (size/bs[0]*1000).toFixed(0), (size/bo[0]*1000).toFixed(0));
}
await nb.close();
