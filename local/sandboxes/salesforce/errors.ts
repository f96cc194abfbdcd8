/**
 * Salesforce REST error bodies: a JSON array of `{ message, errorCode, fields? }`, which jsforce turns
 * into an `HttpApiError` whose `name`/`errorCode` is the code (`INVALID_SESSION_ID`, `NOT_FOUND`, …).
 *
 *   HTTP/1.1 400  [{"message":"No such column 'Foo' on sobject of type Account","errorCode":"INVALID_FIELD"}]
 *
 * sObject Collections report per-record errors as `{ statusCode, message, fields }` instead (see
 * `saveError`).
 */

export interface SalesforceError {
  message: string;
  errorCode: string;
  fields?: string[];
}

export class SalesforceApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: SalesforceError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => `${e.errorCode}: ${e.message}`).join('; '));
  }

  get errorCode(): string {
    return this.errors[0]?.errorCode ?? 'UNKNOWN_EXCEPTION';
  }

  /** The wire body: `[{ message, errorCode, fields? }]` (`fields` only where Salesforce sends it). */
  body(): SalesforceError[] {
    return this.errors.map((e) => ({
      message: e.message,
      errorCode: e.errorCode,
      ...(e.fields ? { fields: e.fields } : {}),
    }));
  }
}

export const sfError = (
  status: number,
  errorCode: string,
  message: string,
  fields?: string[],
): SalesforceApiError =>
  new SalesforceApiError(status, [{ errorCode, message, ...(fields ? { fields } : {}) }]);

export const notFound = (message = 'The requested resource does not exist'): SalesforceApiError =>
  sfError(404, 'NOT_FOUND', message);

export const invalidSession = (): SalesforceApiError =>
  sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

/** Unknown field on a write (REST create/update). */
export const noSuchColumn = (field: string, type: string): SalesforceApiError =>
  sfError(400, 'INVALID_FIELD', `No such column '${field}' on sobject of type ${type}`);

export const readOnlyFields = (fields: string[]): SalesforceApiError =>
  sfError(
    400,
    'INVALID_FIELD_FOR_INSERT_UPDATE',
    `Unable to create/update fields: ${fields.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
    fields,
  );

/** A per-record error in an sObject Collections or composite save result. */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

export function saveErrors(err: SalesforceApiError): SaveError[] {
  return err.errors.map((e) => ({ statusCode: e.errorCode, message: e.message, fields: e.fields ?? [] }));
}

/** The OAuth token endpoint's own error shape (not an array). */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }

  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
