// Where the secrets are, relative to the rendered files: the Compose file names them,
// src/output/secrets.ts writes them.

/** Where tokens live, beside cdktf.out and the Compose file. */
export const SECRETS_DIR = "homedock-secrets";
/** The Compose proxy's config directory (relative to the Compose file), mounted whole. */
export const CADDYFILE_DIR = `${SECRETS_DIR}/frontdoor`;

/** The env file a workspace's Compose service reads its secrets from, relative to the Compose file. */
export function secretsEnvFile(key: string): string {
  return `${SECRETS_DIR}/${key}.env`;
}
