// Submissions made offline, replayed exactly once with their Idempotency-Key. (Filled in by the offline work.)
export async function replay() {}
