// Defaults the model needs as values, kept apart from the schema (zod): the model reads
// them without loading the config reader, which `homedock --help` never loads.

/** A password login's limit on wrong passwords when the config sets none (login.failedSignIns). */
export const FAILED_SIGN_INS_DEFAULTS = { perUser: 10, perAddress: 50, window: 600, image: "haproxy:3.0.5" } as const;
