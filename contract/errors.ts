/**
 * KvError and its HTTP mapping at the pinned upstream commit (contract/upstream.js):
 * the variant, its Display text, and the status, error-body kind and message an
 * EdgeZero handler answers with when it propagates the error with `?`
 * (crates/edgezero-core/src/key_value_store.rs `impl From<KvError> for EdgeError`,
 * crates/edgezero-core/src/error.rs `kind_str`, `message`, `into_response`).
 * Upstream marks KvError `#[non_exhaustive]`: a caller must expect variants it does
 * not know, so this list is the one home for the ones the pin has.
 */
export const KV_ERROR_KINDS = ['Validation', 'NotFound', 'Unavailable', 'Serialization', 'Internal', 'LimitExceeded', 'Unsupported'] as const;
export type KvErrorKind = (typeof KV_ERROR_KINDS)[number];

/** The EdgeError each KvError becomes: its HTTP status and the `kind` of the error body. */
const EDGE: Record<KvErrorKind, { status: number; kind: EdgeErrorKind }> = {
  Validation: { status: 400, kind: 'bad_request' }, // EdgeError::bad_request, deliberately not 422 (`validation`)
  NotFound: { status: 404, kind: 'not_found' },
  Unavailable: { status: 503, kind: 'service_unavailable' },
  Serialization: { status: 500, kind: 'internal' },
  Internal: { status: 500, kind: 'internal' },
  LimitExceeded: { status: 503, kind: 'service_unavailable' }, // e483723
  Unsupported: { status: 501, kind: 'not_implemented' }, // e483723
};

/** EdgeError's `kind_str` (error.rs, e483723): the `kind` field of every error body. */
export type EdgeErrorKind =
  | 'bad_request'
  | 'config_out_of_date'
  | 'internal'
  | 'method_not_allowed'
  | 'not_found'
  | 'not_implemented'
  | 'service_unavailable'
  | 'validation';

/** The error body EdgeZero answers with (content-type application/json). */
export interface EdgeErrorBody {
  error: { kind: EdgeErrorKind; message: string; status: number };
}

/**
 * The body as upstream writes it: serde_json without `preserve_order` keeps a
 * Map's keys sorted, so `kind`, `message`, `status` in that order.
 */
export function edgeErrorBody(status: number, kind: EdgeErrorKind, message: string): EdgeErrorBody {
  return { error: { kind, message, status } };
}

export class KvError extends Error {
  readonly kind: KvErrorKind;
  /** The variant's payload: the validation message, the key, the limit message, the operation, or the cause's text. */
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
    return EDGE[this.kind].status;
  }

  /** The `kind` of the error body. */
  get httpKind(): EdgeErrorKind {
    return EDGE[this.kind].kind;
  }

  /** The `message` of the error body. */
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
      case 'LimitExceeded':
      case 'Unsupported':
        // EdgeError::service_unavailable / not_implemented carry the Display text as their message.
        return display(this.kind, this.detail);
    }
  }

  toResponseBody(): EdgeErrorBody {
    return edgeErrorBody(this.httpStatus, this.httpKind, this.httpMessage);
  }
}

/** The Display text of a KvError of `kind` carrying `detail` (thiserror `#[error(...)]` of each variant). */
export function display(kind: KvErrorKind, detail: string): string {
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
    case 'LimitExceeded':
      return `kv backend limit exceeded: ${detail}`;
    case 'Unsupported':
      return `kv operation not supported by backend: ${detail}`;
  }
}

export const isKvError = (error: unknown, kind?: KvErrorKind): error is KvError =>
  error instanceof KvError && (kind === undefined || error.kind === kind);
