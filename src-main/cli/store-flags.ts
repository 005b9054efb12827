// `--store` and the `--etcd-*` flags of skiff serve and skiff snapshot, checked so errors name the flags; no I/O.
export const ETCD_FLAGS = {
  caFile: 'etcd-cafile',
  certFile: 'etcd-certfile',
  keyFile: 'etcd-keyfile',
  prefix: 'etcd-prefix',
};

/** --store and the --etcd-* flags, checked here so errors name the flags. */
export function storeFlags(flags: Record<string, string | true>) {
  for (const f of ['store', ...Object.values(ETCD_FLAGS)])
    if (flags[f] === true) throw new Error(`--${f} needs a value`);
  const store = flags.store as string | undefined;
  const etcd: Record<string, string> = {};
  for (const [k, f] of Object.entries(ETCD_FLAGS))
    if (typeof flags[f] === 'string') etcd[k] = flags[f] as string;
  if (!Object.keys(etcd).length) return { store };
  if (!store || !/^(etcd(\+https?)?|https?):\/\//i.test(store)) {
    const given = Object.values(ETCD_FLAGS).filter((f) => f in flags);
    throw new Error(
      `--${given.join(', --')} ${given.length > 1 ? 'need' : 'needs'} --store etcd://HOST:PORT`,
    );
  }
  return { store, etcd };
}
