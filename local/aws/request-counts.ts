// How many requests each emulated endpoint was sent, by caller, service and operation: counted as a request arrives
// for an operation the endpoint knows (S3: from a caller it knows), before it is authorized or answered, so a refused
// or failed request counts as AWS would bill or throttle it. The benchmarks' cost meter (bench/_cost.ts) reads it.

export interface RequestCount {
  /** The IAM principal the request was signed as; undefined without IAM or for an unknown access key. */
  readonly principalArn: string | undefined;
  readonly service: string;
  readonly operation: string;
  readonly count: number;
}

export class RequestCounts {
  private readonly counts = new Map<
    string,
    { principalArn: string | undefined; service: string; operation: string; n: number }
  >();

  add(service: string, operation: string, principalArn: string | undefined): void {
    const key = `${principalArn ?? ''}\n${service}\n${operation}`;
    const c = this.counts.get(key);
    if (c) c.n++;
    else this.counts.set(key, { principalArn, service, operation, n: 1 });
  }

  snapshot(): RequestCount[] {
    return [...this.counts.values()].map(({ principalArn, service, operation, n }) => ({
      principalArn,
      service,
      operation,
      count: n,
    }));
  }
}
