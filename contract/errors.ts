/**
 * KvError and its HTTP mapping (§2.3 of the contract digest): the variant, the
 * Display text, and the status and message an EdgeZero handler answers with.
 */
export type KvErrorKind = 'Validation' | 'NotFound' | 'Unavailable' | 'Serialization' | 'Internal';

const STATUS: Record<KvErrorKind, number> = {
  Validation: 400, // EdgeError::bad_request, deliberately not 422
  NotFound: 404,
  Unavailable: 503,
  Serialization: 500,
  Internal: 500,
};

export class KvError extends Error {
  readonly kind: KvErrorKind;
  /** The variant's payload: the validation message, the key, or the cause's text. */
  readonly detail: string;
  readonly cause?: unknown;

  constructor(kind: KvErrorKind, detail: string, cause?: unknown) {
    super(display(kind, detail));
    this.name = 'KvError';
    this.kind = kind;
    this.detail = detail;
    this.cause = cause;
  }

  /** The HTTP status an EdgeZero handler answers with when it propagates this error with `?`. */
  get httpStatus(): number {
    return STATUS[this.kind];
  }

  /** The `message` of the `{"error":{"status","message"}}` body EdgeZero answers with. */
  get httpMessage(): string {
    switch (this.kind) {
      case 'Validation':
        return `kv validation error: ${this.detail}`;
      case 'NotFound':
        return `no route matched path: kv key: ${this.detail}`;
      case 'Unavailable':
        return 'kv store unavailable';
      case 'Serialization':
        return `internal error: kv serialization error: ${this.detail}`;
      case 'Internal':
        return `internal error: ${this.detail}`;
    }
  }

  toResponseBody(): { error: { status: number; message: string } } {
    return { error: { status: this.httpStatus, message: this.httpMessage } };
  }
}

function display(kind: KvErrorKind, detail: string): string {
  switch (kind) {
    case 'Validation':
      return `validation error: ${detail}`;
    case 'NotFound':
      return `key not found: ${detail}`;
    case 'Unavailable':
      return 'kv store unavailable';
    case 'Serialization':
      return `serialization error: ${detail}`;
    case 'Internal':
      return `kv store error: ${detail}`;
  }
}

export const isKvError = (error: unknown, kind?: KvErrorKind): error is KvError =>
  error instanceof KvError && (kind === undefined || error.kind === kind);
