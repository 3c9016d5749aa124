export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.__tesseraRedis;
  if (!servers) return;
  await Promise.all([servers.standalone.destroy(), servers.cluster.destroy()]);
}
