/** A user-facing refusal or failure of an instance operation: one clear line, said as is by the CLI and the UI. */
export class InstanceError extends Error {}
