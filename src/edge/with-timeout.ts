/**
 * A promise that rejects when `promise` has not settled within `ms`: the coordinator's bound on
 * a partition that does not answer (the partition's own work is not cancelled).
 *
 * @example
 * await withTimeout(stub.query(q), 10_000);
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
