/** A user-facing refusal or failure of an instance operation: one clear line, said as is by the CLI and the UI. */
export class InstanceError extends Error {
  /** `usage`: the request itself is wrong (an option missing or unknown), as opposed to the state of things (the CLI exits 2 vs 1). */
  constructor(message: string, readonly usage = false) { super(message); }
}
