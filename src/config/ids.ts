// Account ids as Linux gives them: what a config may name, and what an account database
// may hold. Apart from schema.ts, which brings zod with it: the command reads account
// databases without loading it.

/** The largest id Linux gives an account: (uid_t)-1 means "no id". */
export const MAX_ACCOUNT_ID = 2 ** 32 - 2;
