export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  now?: () => number;
}

export interface BreakerView {
  state: BreakerState;
  consecutiveFailures: number;
  openedAt: string | null;
  lastError: string | null;
}

/**
 * A circuit breaker per endpoint: `failureThreshold` consecutive failures open it; after
 * `cooldownMs` one probe is let through (half-open); its success closes the circuit, its failure
 * opens it for another cooldown. State is per hub process.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private lastError: string | null = null;
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** May a request go to this endpoint now? Claims the probe slot when half-open. */
  tryAcquire(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.now() - this.openedAt < this.options.cooldownMs) return false;
      this.state = 'half_open';
      this.probeInFlight = false;
    }
    if (this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  success(): void {
    this.state = 'closed';
    this.failures = 0;
    this.probeInFlight = false;
  }

  /** The call ended without telling anything about the endpoint (the client went away). */
  release(): void {
    this.probeInFlight = false;
  }

  failure(code: string): void {
    this.lastError = code;
    this.failures += 1;
    this.probeInFlight = false;
    if (this.state === 'half_open' || this.failures >= this.options.failureThreshold) {
      this.state = 'open';
      this.openedAt = this.now();
    }
  }

  view(): BreakerView {
    const state =
      this.state === 'open' && this.now() - this.openedAt >= this.options.cooldownMs
        ? 'half_open'
        : this.state;
    return {
      state,
      consecutiveFailures: this.failures,
      openedAt: this.state === 'closed' ? null : new Date(this.openedAt).toISOString(),
      lastError: this.lastError,
    };
  }
}

export class Breakers {
  private readonly byEndpoint = new Map<string, CircuitBreaker>();
  constructor(private readonly options: BreakerOptions) {}

  for(endpoint: string): CircuitBreaker {
    let breaker = this.byEndpoint.get(endpoint);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options);
      this.byEndpoint.set(endpoint, breaker);
    }
    return breaker;
  }
}
