// The workspaces' network, the same in both renderings.

/**
 * Bridge driver options: no traffic between the containers on it (a workspace cannot
 * reach another's ports), while each keeps its way out.
 */
export const NETWORK_OPTIONS = { "com.docker.network.bridge.enable_icc": "false" } as const;
